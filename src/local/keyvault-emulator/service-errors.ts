/**
 * Errors as Key Vault sends them: a status, `{"error":{"code","message","innererror"}}`,
 * and the real service's wording where it is known (from captured responses quoted in
 * SDK issues). Messages name secrets, never values.
 */
export class KeyVaultServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
    this.name = 'KeyVaultServiceError';
  }

  toBody(): { error: { code: string; message: string; innererror?: { code: string } } } {
    return { error: { code: this.code, message: this.message, ...(this.innerCode ? { innererror: { code: this.innerCode } } : {}) } };
  }
}

const NOT_FOUND_HELP =
  'If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

export const LATEST_API_VERSION = '2025-07-01';

export const serviceErrors = {
  secretNotFound: (name: string, version?: string) =>
    new KeyVaultServiceError(404, 'SecretNotFound', `A secret with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault. ${NOT_FOUND_HELP}`),
  deletedSecretNotFound: (name: string) => new KeyVaultServiceError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`),
  disabled: (operation: string) => new KeyVaultServiceError(403, 'Forbidden', `Operation ${operation} is not allowed on a disabled secret.`, 'SecretDisabled'),
  deletedButRecoverable: (name: string) =>
    new KeyVaultServiceError(
      409,
      'Conflict',
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      'ObjectIsDeletedButRecoverable',
    ),
  alreadyExists: (name: string) => new KeyVaultServiceError(409, 'Conflict', `Secret ${name} already exists; a backup can only be restored under a name that is not in use.`),
  badParameter: (message: string) => new KeyVaultServiceError(400, 'BadParameter', message),
  invalidName: (name: string) => new KeyVaultServiceError(400, 'BadParameter', `The request URI contains an invalid name: ${name}`),
  missingApiVersion: () => new KeyVaultServiceError(400, 'BadParameter', 'The api-version query parameter is missing.'),
  unknownApiVersion: (version: string) =>
    new KeyVaultServiceError(400, 'BadParameter', `The specified version (${version}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}).`),
  throttled: () =>
    new KeyVaultServiceError(429, 'Throttled', 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached'),
  unauthorized: () => new KeyVaultServiceError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'),
  methodNotAllowed: (method: string) => new KeyVaultServiceError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`),
} as const;

const CODES_BY_STATUS: Record<number, string> = {
  400: 'BadParameter',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  408: 'RequestTimeout',
  409: 'Conflict',
  429: 'Throttled',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** The error an injected fault answers with, shaped like every other error. */
export function injectedError(status: number, code?: string, message?: string): KeyVaultServiceError {
  return new KeyVaultServiceError(status, code ?? CODES_BY_STATUS[status] ?? 'Unknown', message ?? `Injected fault: HTTP ${status}.`);
}
