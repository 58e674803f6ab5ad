/**
 * Where each field of a produced policy came from in the Secretfile, so a problem that
 * parsePolicy finds at `generator.length` is reported at `secrets[3].config.length`.
 */
import type { Path } from './paths.js';

interface Origin {
  source: Path;
  /** The policy's shape below this field is the file's (consumers, strategy): the rest of a deeper path carries over. */
  passthrough: boolean;
}

export class Origins {
  readonly #entries = new Map<string, Origin>();

  constructor(root: Path) {
    this.set('', root);
  }

  set(policyPath: string, source: Path, options: { passthrough?: boolean } = {}): void {
    this.#entries.set(policyPath, { source, passthrough: options.passthrough ?? false });
  }

  /** The Secretfile path for a policy path: the longest registered prefix, plus the rest where the shapes agree. */
  sourceOf(policyPath: readonly PropertyKey[]): Path {
    const segments = policyPath.map(String);
    for (let length = segments.length; length >= 0; length -= 1) {
      const origin = this.#entries.get(segments.slice(0, length).join('.'));
      if (!origin) continue;
      if (length === segments.length || !origin.passthrough) return origin.source;
      const rest = policyPath.slice(length).map((segment) => (typeof segment === 'number' ? segment : String(segment)));
      return [...origin.source, ...rest];
    }
    return [];
  }
}
