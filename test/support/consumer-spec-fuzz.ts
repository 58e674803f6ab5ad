/**
 * Generated consumer specs into parsePolicy with the app's own catalog, the same way for every
 * kind: a plausible spec, then one field changed, dropped or left as it is. Each is accepted
 * (and then checked against the kind's own bounds) or refused with a ValidationError whose
 * details name a field, in bounded text; and the run must reach acceptance too, or the
 * refusals prove little.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { consumerKinds } from '../../src/composition.js';
import { ValidationError } from '../../src/core/errors.js';
import { parsePolicy } from '../../src/core/policy/policy.js';
import { holds } from '../fuzz/harness.js';
import { ERROR_RESPONSE_BOUND, PropertyBroken } from '../fuzz/properties.js';
import { fuzzParameters } from './fuzz-settings.js';

/** A plausible spec, then one of `fields` given a generated value, dropped, or nothing changed. */
export function mutatedSpecs<Fields extends Record<string, fc.Arbitrary<unknown>>>(plausible: fc.Arbitrary<Record<string, unknown>>, fields: Fields): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(plausible, fc.constantFrom('none', 'change', 'drop'), fc.constantFrom(...(Object.keys(fields) as (keyof Fields & string)[])))
    .chain(([spec, how, field]) => {
      const clean = Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined));
      if (how === 'none') return fc.constant(clean);
      if (how === 'drop') return fc.constant(Object.fromEntries(Object.entries(clean).filter(([key]) => key !== field)));
      return fields[field]!.map((value) => ({ ...clean, [field]: value }));
    });
}

export interface SpecProperty {
  /** Names the fuzz seed's parameters and the refusal messages. */
  kind: string;
  specs: fc.Arbitrary<Record<string, unknown>>;
  /** The policy around one generated spec. */
  policyWith: (spec: Record<string, unknown>) => unknown;
  /** Throws PropertyBroken when an accepted spec breaks the kind's bounds. */
  checkAccepted: (spec: Record<string, unknown>) => void;
  /** Where a refusal may point besides consumers (a wrong issuer kind leaves the strategy without its issuer). */
  refusalPaths?: readonly string[];
  runs: number;
}

/**
 * A refusal as every consumer spec's must be: a ValidationError whose details name fields, in
 * bounded text; with `naming`, one of the details is under one of those paths.
 */
export function checkSpecRefusal(error: unknown, naming?: { kind: string; paths: readonly string[] }): void {
  if (!(error instanceof ValidationError)) throw new PropertyBroken(`threw ${error instanceof Error ? error.name : typeof error}, not a ValidationError: ${String(error).slice(0, 300)}`);
  if (error.details.length === 0 || error.details.some((detail) => typeof detail.path !== 'string' || detail.path === '')) throw new PropertyBroken('a refusal without details naming a field');
  if (naming && !error.details.some((detail) => naming.paths.some((path) => detail.path.startsWith(path)))) {
    throw new PropertyBroken(`a ${naming.kind} spec refused without naming ${naming.paths.join(' or ')}: ${JSON.stringify(error.details).slice(0, 300)}`);
  }
  const size = error.message.length + JSON.stringify(error.details).length;
  if (size > ERROR_RESPONSE_BOUND) throw new PropertyBroken(`a refusal of ${size} chars echoes the input (bound ${ERROR_RESPONSE_BOUND})`);
}

export async function specsHold(property: SpecProperty): Promise<void> {
  let accepted = 0;
  await holds(
    fc.property(property.specs, (spec) => {
      let policy;
      try {
        policy = parsePolicy(property.policyWith(spec), consumerKinds);
      } catch (error) {
        checkSpecRefusal(error, { kind: property.kind, paths: ['consumers', ...(property.refusalPaths ?? [])] });
        return;
      }
      property.checkAccepted(policy.consumers![0] as unknown as Record<string, unknown>);
      accepted += 1;
    }),
    fuzzParameters(`${property.kind}-parse`, property.runs),
  );
  expect(accepted).toBeGreaterThan(property.runs > 100 ? 10 : 0);
}

/** `attempt` is refused with a ValidationError one of whose details names `path` with a message containing `message`. */
export function expectRefusedAt(attempt: () => unknown, path: string, message: string): void {
  let refusal: ValidationError | undefined;
  try {
    attempt();
  } catch (error) {
    refusal = error as ValidationError;
  }
  expect(refusal).toBeInstanceOf(ValidationError);
  expect(refusal!.details).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
}
