import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { ValidationError } from '../core/errors.js';
import { vaultNameProblem } from '../core/names.js';
import { httpHandler } from './http/http-handler.js';
import { presentAuditRecord, presentPage } from './http/presenters.js';
import { pageOptionsOf } from './http/route-params.js';

/**
 * What happened in a vault outside any policy, newest first: events on secrets no policy
 * governs (the scattered credentials a governance review looks for). Records about a
 * governed secret, out-of-band versions included, are in its policy's history.
 */
export async function listVaultAudit(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const vaultName = request.params.vaultName ?? '';
  const problem = vaultNameProblem(vaultName);
  if (problem) throw new ValidationError('the vault name in the URL is invalid', [{ path: 'vaultName', message: problem }]);
  const page = await services.audit.listForVault(vaultName, pageOptionsOf(request));
  return {
    status: 200,
    jsonBody: presentPage(page, presentAuditRecord),
  };
}

app.http('listVaultAudit', { methods: ['GET'], authLevel: 'anonymous', route: 'vaults/{vaultName}/audit', handler: httpHandler('listVaultAudit', listVaultAudit) });
