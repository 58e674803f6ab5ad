import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import type { RequestActor } from '../core/audit-fields.js';
import { parseAuditQuery } from '../core/audit/audit-query.js';
import { httpHandler } from './http/http-handler.js';
import { presentAuditRecord, presentPage } from './http/presenters.js';
import { pageOptionsOf } from './http/route-params.js';

/**
 * The audit trail across policies and vaults, newest first: filtered by time (from/to,
 * default the last 7 days), actor, action, policy, vault, secret and result, and paged. The
 * answer repeats the range it read, so a caller who relied on the default can ask for the
 * next page of the same range (a page may be short, even empty, and still carry a token).
 */
export async function queryAudit(request: HttpRequest, _context: InvocationContext, services: AppServices, _actor: RequestActor): Promise<HttpResponseInit> {
  const query = parseAuditQuery(request.query, services.clock.now());
  const page = await services.audit.query(query, pageOptionsOf(request));
  return {
    status: 200,
    jsonBody: { from: query.from.toISOString(), to: query.to.toISOString(), ...presentPage(page, presentAuditRecord) },
  };
}

app.http('queryAudit', { methods: ['GET'], authLevel: 'anonymous', route: 'audit', handler: httpHandler('queryAudit', queryAudit) });
