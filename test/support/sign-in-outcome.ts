import { CredentialRefusedError } from '../../src/core/consumers/consumer-port.js';

/** What a consumer made of a sign-in: accepted, or refused as a wrong credential. Anything else (unreachable, a bug) is thrown. */
export async function signInOutcome(signIn: Promise<unknown>): Promise<'accepted' | 'refused'> {
  try {
    await signIn;
    return 'accepted';
  } catch (error) {
    if (error instanceof CredentialRefusedError) return 'refused';
    throw error;
  }
}
