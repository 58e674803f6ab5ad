/**
 * ARM scopes as the authorization API sees them: the root, a management group, a
 * subscription, a resource group, or a resource; parsed case-insensitively and written
 * back in ARM's canonical casing, so ids compare as ARM compares them.
 */

export type Scope =
  | { kind: 'root' }
  | { kind: 'managementGroup'; name: string }
  | { kind: 'subscription'; subscriptionId: string }
  | { kind: 'resourceGroup'; subscriptionId: string; resourceGroup: string }
  | { kind: 'resource'; subscriptionId: string; resourceGroup: string; namespace: string; type: string; name: string };

const SEGMENT = '([^/]+)';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => Scope]> = [
  [/^\/?$/, () => ({ kind: 'root' })],
  [new RegExp(`^/providers/Microsoft\\.Management/managementGroups/${SEGMENT}$`, 'i'), (m) => ({ kind: 'managementGroup', name: m[1]! })],
  [new RegExp(`^/subscriptions/${SEGMENT}$`, 'i'), (m) => ({ kind: 'subscription', subscriptionId: m[1]! })],
  [new RegExp(`^/subscriptions/${SEGMENT}/resourceGroups/${SEGMENT}$`, 'i'), (m) => ({ kind: 'resourceGroup', subscriptionId: m[1]!, resourceGroup: m[2]! })],
  [
    new RegExp(`^/subscriptions/${SEGMENT}/resourceGroups/${SEGMENT}/providers/${SEGMENT}/${SEGMENT}/${SEGMENT}$`, 'i'),
    (m) => ({ kind: 'resource', subscriptionId: m[1]!, resourceGroup: m[2]!, namespace: m[3]!, type: m[4]!, name: m[5]! }),
  ],
];

export function parseScope(text: string): Scope | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(text);
    if (match) return build(match);
  }
  return undefined;
}

export function subscriptionIdOf(scope: Scope): string | undefined {
  return scope.kind === 'subscription' || scope.kind === 'resourceGroup' || scope.kind === 'resource' ? scope.subscriptionId : undefined;
}

/** The scope's id in ARM's casing ('/' for the root). */
export function scopeId(scope: Scope): string {
  switch (scope.kind) {
    case 'root':
      return '/';
    case 'managementGroup':
      return `/providers/Microsoft.Management/managementGroups/${scope.name}`;
    case 'subscription':
      return `/subscriptions/${scope.subscriptionId}`;
    case 'resourceGroup':
      return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
    case 'resource':
      return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/${scope.namespace}/${scope.type}/${scope.name}`;
  }
}

export function vaultId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`;
}

/** ids compare case-insensitively in ARM. */
export function key(id: string): string {
  return id.toLowerCase();
}

/** A child scope of `parent` (strictly below it). */
export function isBelow(child: string, parent: string): boolean {
  const c = key(child);
  const p = key(parent);
  if (p === '/') return c !== '/';
  return c.startsWith(`${p}/`);
}
