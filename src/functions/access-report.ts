import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { parseAccessReviewQuery } from '../core/reports/access/access-query.js';
import { httpHandler } from './http/http-handler.js';

/**
 * The access review: for each governed vault, the role assignments at and above it with the
 * findings FACTS.md's rules raise, the app's own identity marked. It names principals, so it
 * needs Audit.Read. Optional ?vault=<name>&minSeverity=high|medium|low.
 */
export async function accessReport(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const report = await services.accessReview.review(parseAccessReviewQuery(request.query));
  return { status: 200, jsonBody: report };
}

app.http('accessReport', { methods: ['GET'], authLevel: 'anonymous', route: 'reports/access', handler: httpHandler('accessReport', accessReport) });
