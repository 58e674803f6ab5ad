import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler } from './http/http-handler.js';
import { costParams, reportPageParams, timelineDaysParam } from './http/report-params.js';

/**
 * The governance reports over every governed vault (GOVERNED_VAULT_URLS and the vaults
 * policies name), read-only: inventory, compliance and drift a bounded page at a time
 * (the first page also carries the summary, a pass over everything), and cost.
 */
export async function inventoryReport(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const page = await services.reports.inventory(reportPageParams(request));
  return { status: 200, jsonBody: { generatedAt: services.clock.now().toISOString(), ...page } };
}

export async function complianceReport(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const page = await services.reports.compliance(reportPageParams(request));
  return { status: 200, jsonBody: { generatedAt: services.clock.now().toISOString(), ...page } };
}

export async function driftReport(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const page = await services.reports.drift(reportPageParams(request));
  return { status: 200, jsonBody: { generatedAt: services.clock.now().toISOString(), ...page } };
}

export async function costReport(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const usage = costParams(request);
  return { status: 200, jsonBody: { generatedAt: services.clock.now().toISOString(), ...(await services.reports.cost(usage)) } };
}

/** Rotation results per UTC day (GET /api/reports/rotations?days=): counts only, for the dashboard's overview chart. */
export async function rotationTimelineReport(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const { from, to, days } = await services.rotationTimeline.count(timelineDaysParam(request));
  return { status: 200, jsonBody: { from: from.toISOString(), to: to.toISOString(), days } };
}

app.http('inventoryReport', { methods: ['GET'], authLevel: 'anonymous', route: 'reports/inventory', handler: httpHandler('inventoryReport', inventoryReport) });
app.http('complianceReport', { methods: ['GET'], authLevel: 'anonymous', route: 'reports/compliance', handler: httpHandler('complianceReport', complianceReport) });
app.http('driftReport', { methods: ['GET'], authLevel: 'anonymous', route: 'reports/drift', handler: httpHandler('driftReport', driftReport) });
app.http('costReport', { methods: ['GET'], authLevel: 'anonymous', route: 'reports/cost', handler: httpHandler('costReport', costReport) });
app.http('rotationTimelineReport', { methods: ['GET'], authLevel: 'anonymous', route: 'reports/rotations', handler: httpHandler('rotationTimelineReport', rotationTimelineReport) });
