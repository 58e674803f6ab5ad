import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import type { RequestActor } from '../core/audit-fields.js';
import { parseAuditWindow } from '../core/audit/audit-query.js';
import type { AuditVerificationPage } from '../core/audit/audit-verification.js';
import { httpHandler } from './http/http-handler.js';
import { pageOptionsOf } from './http/route-params.js';

/**
 * Whether the audit's Table copy still says what the write-once archive says, over a window
 * (from/to as GET /api/audit reads them): core/audit/audit-verification.ts says what it compares.
 */
export async function verifyAudit(request: HttpRequest, _context: InvocationContext, services: AppServices, _actor: RequestActor): Promise<HttpResponseInit> {
  const window = parseAuditWindow(request.query, services.clock.now());
  const page = await services.auditVerification.verify(window, pageOptionsOf(request));
  return { status: 200, jsonBody: presentVerification(page) };
}

function presentVerification(page: AuditVerificationPage) {
  return {
    window: { from: page.window.from.toISOString(), to: page.window.to.toISOString() },
    checkedFrom: page.checkedFrom.toISOString(),
    checkedTo: page.checkedTo.toISOString(),
    checked: page.checked,
    intact: page.intact,
    findings: page.findings.map((finding) => ({ ...finding, at: finding.at.toISOString() })),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}

app.http('verifyAudit', { methods: ['GET'], authLevel: 'anonymous', route: 'audit/verify', handler: httpHandler('verifyAudit', verifyAudit) });
