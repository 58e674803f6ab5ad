/**
 * @peculiar/x509 registers its classes with tsyringe, which refuses to load without
 * the Reflect metadata API (usually the `reflect-metadata` package, not installed
 * here). This is the little of that API tsyringe calls; it is installed only where
 * nothing else provides it, and must be imported before @peculiar/x509.
 */
type MetadataTarget = object;

interface ReflectWithMetadata {
  getMetadata?: (key: unknown, target: MetadataTarget) => unknown;
  getOwnMetadata?: (key: unknown, target: MetadataTarget) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: MetadataTarget) => void;
}

const reflect = Reflect as typeof Reflect & ReflectWithMetadata;

if (typeof reflect.getMetadata !== 'function') {
  const metadata = new WeakMap<MetadataTarget, Map<unknown, unknown>>();
  reflect.getOwnMetadata = (key, target) => metadata.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let current: MetadataTarget | null = target; current; current = Object.getPrototypeOf(current) as MetadataTarget | null) {
      const value = metadata.get(current)?.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    let entries = metadata.get(target);
    if (!entries) {
      entries = new Map();
      metadata.set(target, entries);
    }
    entries.set(key, value);
  };
}

export {};
