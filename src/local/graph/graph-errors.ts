/**
 * Microsoft Graph's error answers: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}
 * with Graph's status. Codes and messages marked "Graph's" are the service's own wording; the others are the stand-in's.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GraphError';
  }

  toBody(requestId: string, clientRequestId: string): unknown {
    return { error: { code: this.code, message: this.message, innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId } } };
  }
}

export const graphErrors = {
  /** Graph's. */
  missingToken: () => new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'),
  /** Code Graph's; wording the stand-in's (it checks the header's form, not the token, as the ARM stand-in does). */
  invalidToken: () => new GraphError(401, 'InvalidAuthenticationToken', "Access token validation failure: the Authorization header must be 'Bearer <token>'."),
  /** Graph's. */
  unknownSegment: (segment: string) => new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  /** Graph's. */
  invalidObjectId: (id: string) => new GraphError(400, 'Request_BadRequest', `Invalid object identifier '${id}'.`),
  /** Graph's. */
  applicationNotFound: (id: string) => new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
  /** Graph's. */
  unreadableJson: () => new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'),
  /** Graph's. */
  emptyPayload: () => new GraphError(400, 'BadRequest', 'Empty Payload. JSON content expected.'),
  /** Graph's. */
  unknownParameter: (name: string, action: string) => new GraphError(400, 'BadRequest', `The parameter '${name}' in the request payload is not a valid parameter for the operation '${action}'.`),
  /** Graph's (OData's conversion failure). */
  notConvertible: (literal: string, type: string) => new GraphError(400, 'BadRequest', `Cannot convert the literal '${literal}' to the expected type '${type}'.`),
  /** The stand-in's wording. */
  invalidProperty: (property: string, why: string) => new GraphError(400, 'Request_BadRequest', `Invalid value specified for property '${property}' of resource 'PasswordCredential': ${why}.`),
  /** The stand-in's wording. */
  missingParameter: (name: string) => new GraphError(400, 'Request_BadRequest', `The parameter '${name}' is required.`),
  /** The stand-in's wording; look first (GET the application) to treat an absent keyId as already removed. */
  passwordNotFound: (keyId: string) => new GraphError(400, 'Request_BadRequest', `No password credential found with keyId '${keyId}'.`),
  /** The stand-in's wording. */
  methodNotAllowed: (method: string, allowed: string) => new GraphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed here; use ${allowed}.`),
  /** The stand-in's wording. */
  tooLarge: () => new GraphError(413, 'Request_EntityTooLarge', 'The request body is too large.'),
};

/** Default code for an injected status. */
export function injectedGraphError(status: number, code?: string, message?: string): GraphError {
  const codes: Record<number, string> = { 400: 'BadRequest', 401: 'InvalidAuthenticationToken', 403: 'Authorization_RequestDenied', 404: 'Request_ResourceNotFound', 409: 'Request_MultipleObjectsWithSameKeyValue', 429: 'TooManyRequests', 500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout' };
  return new GraphError(status, code ?? codes[status] ?? 'InjectedFault', message ?? `Injected fault: ${status}.`);
}
