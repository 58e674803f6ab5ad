/**
 * Policy ids from SecretZero names: `database_password` becomes `database-password`. An id is
 * a Table Storage key and a URL segment (1-63 lower-case letters, digits and hyphens, from a
 * letter), so a name that cannot become one asks for `x-kvrot.id` instead of being mangled.
 */

const MAX_ID = 63;

function normalise(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The id for a secret's name, or undefined when the name has no letter to start one. */
export function policyIdFrom(name: string): string | undefined {
  const id = normalise(name);
  if (!/^[a-z]/.test(id)) return undefined;
  return id.slice(0, MAX_ID).replace(/-+$/, '');
}

/** `base-suffix`, the base shortened so the whole fits in 63 characters. */
export function withSuffix(base: string, suffix: string): string {
  const tail = normalise(suffix) || 'x';
  const room = Math.max(1, MAX_ID - tail.length - 1);
  return `${base.slice(0, room).replace(/-+$/, '')}-${tail}`.slice(0, MAX_ID);
}
