/**
 * ARM's error answers: {"error":{"code","message"}} with ARM's status. Codes and messages
 * marked "ARM's" are the service's own wording; the others are the stand-in's (docs/arm-standin.md).
 */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

const CHALLENGE_BASE = 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"';

export const armErrors = {
  /** ARM's. */
  missingAuthorization: () =>
    new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
      'www-authenticate': `${CHALLENGE_BASE}, error_description="The authentication failed because of missing 'Authorization' header."`,
    }),
  /** ARM's. */
  invalidAuthorization: () =>
    new ArmError(401, 'AuthenticationFailedInvalidHeader', "Authentication failed. The 'Authorization' header is provided in an invalid format.", {
      'www-authenticate': `${CHALLENGE_BASE}, error_description="The authentication failed because of invalid 'Authorization' header."`,
    }),
  /** ARM's. */
  missingApiVersion: () => new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."),
  /** Code ARM's; wording the stand-in's. */
  unsupportedApiVersion: (version: string, type: string, supported: readonly string[]) =>
    new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid for type '${type}'. The supported versions are '${supported.join(',')}'.`),
  /** ARM's. */
  subscriptionNotFound: (id: string) => new ArmError(404, 'SubscriptionNotFound', `The subscription '${id}' could not be found.`),
  /** ARM's. */
  resourceGroupNotFound: (name: string) => new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`),
  /** ARM's. */
  resourceNotFound: (type: string, name: string, group: string) =>
    new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`),
  /** ARM's. */
  roleDefinitionNotFound: (id: string) => new ArmError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${id}' does not exist.`),
  /** The stand-in's. */
  unknownPath: (path: string) => new ArmError(404, 'InvalidResourceType', `The ARM stand-in serves no resource at '${path}' (docs/arm-standin.md lists what it serves).`),
  /** The stand-in's wording. */
  methodNotAllowed: (method: string, allowed: string) => new ArmError(405, 'MethodNotAllowed', `The ARM stand-in serves ${allowed} here; '${method}' is not supported.`, { allow: allowed }),
  /** The stand-in's wording. */
  invalidFilter: (filter: string) => new ArmError(400, 'InvalidFilterParameter', `The filter '${filter}' is not supported. Use atScope(), principalId eq '<id>' or assignedTo('<id>'), optionally joined with 'and'.`),
  /** The stand-in's wording. */
  invalidDenyFilter: (filter: string) => new ArmError(400, 'InvalidFilterParameter', `The filter '${filter}' is not supported. Use atScope(), principalId eq '<id>' or denyAssignmentName eq '<name>'.`),
  /** The stand-in's wording. */
  invalidSkipToken: () => new ArmError(400, 'InvalidSkipToken', 'The $skipToken is not one this service issued.'),
  /** The stand-in's wording. */
  invalidTop: () => new ArmError(400, 'InvalidParameter', "The value of '$top' must be an integer from 1 to 1000."),
};

/** Default code for an injected status. */
export function injectedError(status: number, code?: string, message?: string, headers: Record<string, string> = {}): ArmError {
  const codes: Record<number, string> = { 400: 'BadRequest', 403: 'AuthorizationFailed', 404: 'NotFound', 409: 'Conflict', 429: 'TooManyRequests', 500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout' };
  return new ArmError(status, code ?? codes[status] ?? 'InjectedFault', message ?? `Injected fault: ${status}.`, headers);
}
