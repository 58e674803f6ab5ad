/** The access review's query parameters: vault and minSeverity, each refused with a 400 naming it (unknown or repeated ones too). */
import { ValidationError } from '../../errors.js';
import { vaultNameProblem } from '../../names.js';
import { quote } from '../../untrusted-text.js';
import { SEVERITIES, type Severity } from '../finding.js';
import type { AccessReviewQuery } from './access-review.js';

const KNOWN = ['vault', 'minSeverity'] as const;

function refuse(path: string, message: string): ValidationError {
  return new ValidationError(`query parameter ${quote(path, 32)} is invalid: ${message}`, [{ path, message }]);
}

export function parseAccessReviewQuery(query: Iterable<[string, string]>): AccessReviewQuery {
  const seen = new Map<string, string>();
  for (const [name, value] of query) {
    if (!(KNOWN as readonly string[]).includes(name)) throw refuse(name, `unknown parameter; this report takes ${KNOWN.join(', ')}`);
    if (seen.has(name)) throw refuse(name, 'given more than once');
    seen.set(name, value);
  }
  const vault = seen.get('vault');
  if (vault !== undefined) {
    const problem = vaultNameProblem(vault);
    if (problem) throw refuse('vault', problem);
  }
  const minSeverity = seen.get('minSeverity');
  if (minSeverity !== undefined && !(SEVERITIES as readonly string[]).includes(minSeverity)) throw refuse('minSeverity', `one of ${SEVERITIES.join(', ')}`);
  return { ...(vault !== undefined ? { vault: vault.toLowerCase() } : {}), ...(minSeverity !== undefined ? { minSeverity: minSeverity as Severity } : {}) };
}
