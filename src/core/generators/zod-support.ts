/**
 * Shared pieces for the policy and generator schemas: readable messages for
 * zod's generic issues, and a guard for a JSON name zod would drop silently.
 */
import { z } from 'zod';
import type { ErrorDetail } from '../errors.js';

/**
 * Per-parse messages for issues the schemas leave to zod. It names the type of
 * a wrong input, never its value: a template's static field is configuration,
 * but an error message is no place to repeat what a caller typed.
 */
export const issueMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  const expected = issue.expected === 'record' ? 'object' : issue.expected;
  return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}, not ${describeType(issue.input)}`;
};

function describeType(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  const type = typeof input;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/**
 * JSON.parse keeps "__proto__" as an own key, and zod's record drops it without
 * a word; refusing it keeps "nothing is ignored silently" true for maps too.
 */
export function refuseProtoKey<T extends z.ZodType>(schema: T) {
  return z.preprocess((input, ctx) => {
    if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__')) {
      ctx.issues.push({
        code: 'custom',
        message: "'__proto__' cannot be used as a name: JavaScript treats it as the object's prototype and it would be lost",
        path: ['__proto__'],
        input,
      });
    }
    return input;
  }, schema);
}

const UNKNOWN_FIELD = 'is not a known field: unknown fields are refused so that a typo cannot silently change what a policy does';

/** Each issue as a path and a message; an unknown-fields issue becomes one entry per field, at that field's own path. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[]): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: UNKNOWN_FIELD }))
      : [{ path: issue.path, message: issue.message }],
  );
}

/** One detail per problem, at a dot path ('generator.fields.password.length'; array indexes as numbers; '' for the whole input). */
export function toErrorDetails(error: z.ZodError): ErrorDetail[] {
  return flattenIssues(error.issues).map(({ path, message }) => ({ path: path.map(String).join('.'), message }));
}
