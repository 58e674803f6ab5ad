/** Holds a process's Key Vault writes until the test releases them, so other triggers can arrive mid-rotation. */
import type { Stores } from './engine-fixture.js';

export interface HeldWrites {
  /** The stores as the held process sees them. */
  stores: Stores;
  /** Resolves once a write has reached Key Vault's door and is waiting. */
  reached: Promise<void>;
  release(): void;
}

export function holdSecretWrites(stores: Stores): HeldWrites {
  let reachedWrite!: () => void;
  let releaseWrite!: () => void;
  const reached = new Promise<void>((resolve) => (reachedWrite = resolve));
  const released = new Promise<void>((resolve) => (releaseWrite = resolve));
  const secrets = new Proxy(stores.secrets, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'write' || typeof member !== 'function') return typeof member === 'function' ? member.bind(target) : member;
      return async (...args: unknown[]) => {
        reachedWrite();
        await released;
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { stores: { ...stores, secrets }, reached, release: releaseWrite };
}

/** The stores as a process sees them whose next `times` Key Vault writes fail with `error`. */
export function failingSecretWrites(stores: Stores, error: Error, times = 1): Stores {
  let left = times;
  const secrets = new Proxy(stores.secrets, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver) as unknown;
      if (typeof member !== 'function') return member;
      if (property !== 'write') return member.bind(target);
      return async (...args: unknown[]) => {
        if (left-- > 0) throw error;
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { ...stores, secrets };
}
