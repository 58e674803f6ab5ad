/**
 * The exact difference between a policy as stored and as a change request would leave it, field
 * by field down to leaves, so an approver sees what they approve: added, removed, changed.
 */
export interface FieldChange {
  /** Dotted path: rotation.every, tags.CostCenter, consumers.0.login. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return [{ path, kind: 'added', after }];
  if (after === undefined) return [{ path, kind: 'removed', before }];
  const bothObjects = isObject(before) && isObject(after);
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (bothObjects || bothArrays) {
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    if (bothObjects) keys.sort();
    return keys.flatMap((key) => diffValues(b[key], a[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, kind: 'changed', before, after }];
}

/** A PUT body leaves out what it does not set: `enabled` defaults to true, as parsePolicy reads it. */
export function policyDiff(current: Record<string, unknown> | undefined, requested: Record<string, unknown> | undefined): FieldChange[] {
  const normalise = (policy: Record<string, unknown> | undefined) => (policy ? { enabled: true, ...policy } : undefined);
  return diffValues(normalise(current), normalise(requested));
}
