/**
 * The dotted paths at which two policies differ, for the audit of a replace: which
 * fields changed, never what they held (a template's static field may be a secret).
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (Object.is(before, after)) return [];
  if (!isObject(before) || !isObject(after) || Array.isArray(before) !== Array.isArray(after)) return [prefix || '(root)'];
  // Arrays are compared whole: an element's index says nothing stable about what changed.
  if (Array.isArray(before)) return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
