/**
 * An access token for the API from @azure/identity's DefaultAzureCredential (environment,
 * workload identity, managed identity, Azure CLI, ...), for the API's scope
 * `<app ID URI>/.default`. kvrot's only use of an Azure SDK.
 */
import { DefaultAzureCredential } from '@azure/identity';

export async function defaultCredentialToken(audience: string, options: { abortSignal?: AbortSignal } = {}): Promise<string> {
  const token = await new DefaultAzureCredential().getToken(`${audience.replace(/\/+$/, '')}/.default`, options.abortSignal ? { abortSignal: options.abortSignal } : {});
  if (!token?.token) throw new Error('DefaultAzureCredential returned no token');
  return token.token;
}
