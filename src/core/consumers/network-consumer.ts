/**
 * The schema shared by consumers reached over the network with a login (databases,
 * caches). A kind builds its own schema from it, adding its fields; the rules every
 * such consumer obeys (TLS off only to loopback, logins that are safe identifiers)
 * are written once, here.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { secretNameProblem } from '../names.js';
import type { AdminReference } from './consumer-port.js';

export const CONSUMER_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/**
 * Logins are written into SQL and ACL commands as identifiers; this shape needs no quoting
 * anywhere. 55 characters leaves room for the second login's suffix within PostgreSQL's 63.
 */
export const LOGIN = /^[A-Za-z_][A-Za-z0-9_]{0,54}$/;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return isIP(bare) === 6 && (bare === '::1' || bare === '0:0:0:0:0:0:0:1');
}

const hostSchema = z.string().superRefine((host, ctx) => {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0 && !HOST.test(host)) {
    ctx.addIssue({ code: 'custom', message: 'must be a DNS name or an IP address' });
  }
});

const adminSchema = z.union(
  [
    z.strictObject({
      /** A secret in the policy's own vault whose value is JSON {"username","password"}; read at rotation time, never copied. */
      secretName: z.string().superRefine((name, ctx) => {
        const problem = secretNameProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    }),
    z.strictObject({
      entra: z.literal(true),
      /** The database user mapped to the app's managed identity (its display name, as created with pgaadauth_create_principal or CREATE AADUSER). */
      username: z.string().min(1, 'cannot be empty').max(128, 'must be at most 128 characters').regex(/^[A-Za-z0-9_.@-]+$/, 'must be letters, digits and _ . @ -'),
    }),
  ],
  { error: 'must be {"secretName": "<secret in the same vault holding {username,password}>"} or {"entra": true, "username": "<the managed identity\'s database user>"}' },
) satisfies z.ZodType<AdminReference, unknown>;

export interface NetworkConsumerOptions {
  defaultPort: number;
}

/**
 * `{kind, name, host, port, login, tls, admin}` plus `extra`. `tls: false` is refused for any host that
 * is not loopback: a password sent in clear over a network is a leaked password.
 */
export function networkConsumerSchema<Kind extends string, Extra extends z.ZodRawShape>(kind: Kind, options: NetworkConsumerOptions, extra: Extra) {
  return z
    .strictObject({
      kind: z.literal(kind),
      name: z.string().regex(CONSUMER_NAME, 'must be 1-63 lower-case letters, digits and hyphens, starting with a letter'),
      host: hostSchema,
      port: z.number().int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535').default(options.defaultPort),
      login: z.string().regex(LOGIN, 'must be 1-55 letters, digits and underscores, not starting with a digit (it is written into SQL and ACL commands, and the second login adds a suffix)'),
      tls: z.boolean().default(true),
      admin: adminSchema,
      ...extra,
    })
    .superRefine((parsed, ctx) => {
      // The generic shape hides the base fields from the compiler; they are always there.
      const consumer = parsed as unknown as { tls: boolean; host: string };
      if (consumer.tls === false && !isLoopback(consumer.host)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tls'],
          message: `tls: false is allowed only to a loopback host; '${consumer.host}' is reached over a network, where the password would travel in clear`,
        });
      }
    });
}
