/**
 * A client-credentials token request as Entra's v2.0 token endpoint reads it: a form with
 * grant_type=client_credentials, client_id, client_secret and one `<resource>/.default` scope.
 * Every refusal is a TokenRequestError with Entra's status, OAuth error and AADSTS code.
 */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

export interface ClientCredentialsRequest {
  clientId: string;
  clientSecret: string;
  /** The scope without /.default: a token's audience. */
  resource: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function bounded(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

const missing = (name: string): TokenRequestError => new TokenRequestError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

export function parseClientCredentialsRequest(raw: string): ClientCredentialsRequest {
  const form = new URLSearchParams(raw);
  const grantType = form.get('grant_type');
  if (!grantType) throw missing('grant_type');
  if (grantType !== 'client_credentials') throw new TokenRequestError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${bounded(grantType)}'. The token authority serves client_credentials only.`);
  const clientId = form.get('client_id');
  if (!clientId) throw missing('client_id');
  if (!GUID.test(clientId)) throw new TokenRequestError(400, 'unauthorized_client', 700038, `${bounded(clientId)} is not a valid application identifier.`);
  const scope = form.get('scope')?.trim();
  if (!scope) throw missing('scope');
  const scopes = scope.split(/\s+/);
  if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default') || scopes[0] === '/.default') {
    throw new TokenRequestError(400, 'invalid_scope', 1002012, `The provided value for scope ${bounded(scope)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const clientSecret = form.get('client_secret');
  if (!clientSecret) throw new TokenRequestError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  return { clientId: clientId.toLowerCase(), clientSecret, resource: scopes[0]!.slice(0, -'/.default'.length) };
}
