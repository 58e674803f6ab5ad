/**
 * Change requests: the operations on policies of protected environments that wait for
 * approvals. Listing and reading need Rotation.Read or Rotation.Approve; approving and
 * rejecting need Rotation.Approve; only the requester cancels. The rules themselves
 * (no self-approval, distinct approvers, hash binding, expiry, void on a moved ETag,
 * exactly-once execution) live in ChangeRequestService.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { CHANGE_REQUEST_STATUSES, isChangeRequestStatus } from '../core/approvals/change-request.js';
import { ValidationError } from '../core/errors.js';
import { httpHandler, type AuthenticatedActor } from './http/http-handler.js';
import { presentChangeRequest, presentPage } from './http/presenters.js';
import { readOptionalBody } from './http/request-body.js';
import { approveRequestSchema, cancelRequestSchema, CHANGE_REQUEST_ID, rejectRequestSchema } from './http/request-schemas.js';
import { pageOptionsOf } from './http/route-params.js';

function idOf(request: HttpRequest): string {
  const id = request.params.id ?? '';
  if (!CHANGE_REQUEST_ID.test(id)) throw new ValidationError('the change request id in the URL is invalid', [{ path: 'id', message: '1-64 letters, digits and hyphens' }]);
  return id;
}

export async function listChangeRequests(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const status = request.query.get('status') ?? 'pending';
  if (!isChangeRequestStatus(status)) throw new ValidationError('status is invalid', [{ path: 'status', message: `one of ${CHANGE_REQUEST_STATUSES.join(', ')}` }]);
  const page = await services.changes.list({ status, ...pageOptionsOf(request) });
  return { status: 200, jsonBody: presentPage(page, presentChangeRequest) };
}

export async function getChangeRequest(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  return { status: 200, jsonBody: presentChangeRequest(await services.changes.get(idOf(request))) };
}

/**
 * An approval of a pending request; the one that completes it runs the operation and answers
 * with the request executed (or failed). On a break-glass request it is the review afterwards.
 */
export async function approveChangeRequest(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  const id = idOf(request);
  const { comment } = await readOptionalBody(request, approveRequestSchema);
  const current = await services.changes.get(id);
  const decided = current.status === 'review' ? await services.changes.review(id, actor.caller, comment ?? '') : await services.changes.approve(id, actor.caller, comment);
  return { status: 200, jsonBody: presentChangeRequest(decided) };
}

export async function rejectChangeRequest(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  const { reason } = await readOptionalBody(request, rejectRequestSchema);
  return { status: 200, jsonBody: presentChangeRequest(await services.changes.reject(idOf(request), actor.caller, reason)) };
}

export async function cancelChangeRequest(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  await readOptionalBody(request, cancelRequestSchema);
  return { status: 200, jsonBody: presentChangeRequest(await services.changes.cancel(idOf(request), actor.caller)) };
}

app.http('listChangeRequests', { methods: ['GET'], authLevel: 'anonymous', route: 'change-requests', handler: httpHandler('listChangeRequests', listChangeRequests) });
app.http('getChangeRequest', { methods: ['GET'], authLevel: 'anonymous', route: 'change-requests/{id}', handler: httpHandler('getChangeRequest', getChangeRequest) });
app.http('approveChangeRequest', { methods: ['POST'], authLevel: 'anonymous', route: 'change-requests/{id}/approve', handler: httpHandler('approveChangeRequest', approveChangeRequest) });
app.http('rejectChangeRequest', { methods: ['POST'], authLevel: 'anonymous', route: 'change-requests/{id}/reject', handler: httpHandler('rejectChangeRequest', rejectChangeRequest) });
app.http('cancelChangeRequest', { methods: ['POST'], authLevel: 'anonymous', route: 'change-requests/{id}/cancel', handler: httpHandler('cancelChangeRequest', cancelChangeRequest) });
