/**
 * The secret's value when the policy has consumers: the JSON applications connect with,
 * `{"username","password","host","port","database"}`. Parsing never quotes the value.
 */
import { PermanentDependencyError } from '../../errors.js';
import type { ConnectionFields } from '../../consumers/consumer-port.js';
import { SecretValue } from '../../secret-value.js';

export interface Credential {
  username: string;
  password: SecretValue;
}

export function credentialValue(username: string, password: SecretValue, connection: ConnectionFields): SecretValue {
  return SecretValue.of(
    JSON.stringify({
      username,
      password: password.reveal(),
      host: connection.host,
      port: connection.port,
      ...(connection.database !== undefined ? { database: connection.database } : {}),
    }),
  );
}

/** `where` names the secret and version for the error; the value itself is never in it. */
export function parseCredential(value: SecretValue, where: string): Credential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.reveal());
  } catch {
    parsed = undefined;
  }
  const record = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  if (!record || typeof record.username !== 'string' || record.username === '' || typeof record.password !== 'string' || record.password === '') {
    throw new PermanentDependencyError(
      `${where} does not hold a JSON credential {"username","password",...}: a policy with consumers reads the current login from it. Write one by hand with the login applications use now, or remove the secret so the first rotation starts from the second login`,
    );
  }
  return { username: record.username, password: SecretValue.of(record.password) };
}
