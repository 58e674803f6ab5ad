/**
 * A Secretfile, as SecretZero reads it, turned into our rotation policies: every Key Vault
 * target becomes a policy that has passed parsePolicy, every other target is listed as
 * skipped, SecretZero's own policies become findings, and every problem names its file,
 * line, column and path. Pure: the caller reads the files; environment variables are never read (see interpolate.ts).
 */
import type { z } from 'zod';
import { NO_CONSUMER_KINDS, type ConsumerCatalog } from '../consumers/consumer-port.js';
import { ValidationError } from '../errors.js';
import { flattenIssues, issueMessages } from '../generators/zod-support.js';
import { parseVaultUrl } from '../names.js';
import { parsePolicy, type RotationPolicy } from '../policy/policy.js';
import type { Finding } from '../reports/finding.js';
import { GENERATED_KINDS, mapRandomGenerator, staticFieldText, typeName, type GeneratorSource, type MappingReport } from './generator-mapping.js';
import { interpolateString, interpolateTree, isPlainMap, mergeVariables, setOwn, type InterpolationNote, type Variables } from './interpolate.js';
import { Origins } from './origins.js';
import { formatPath, type Path } from './paths.js';
import { policyIdFrom, withSuffix } from './policy-ids.js';
import { problemAt, type SecretfileProblem, type SecretfileWarning, type SourceLocation } from './problems.js';
import { defaultValidFor, NEVER_ROTATED, readRotationPeriod, validForExplanation } from './rotation.js';
import { evaluateRules, secretZeroRules, type SecretZeroRule } from './secretzero-policies.js';
import {
  generatorSchema,
  secretfileSchema,
  secretSchema,
  targetSchema,
  templateFieldSchema,
  templateSchema,
  X_KVROT,
  type SecretExtension,
  type SecretZeroSecret,
  type SecretZeroTemplate,
  type TargetProfile,
  type TopLevelExtension,
} from './secretzero-schema.js';
import { parseSource, type ParsedSource, type SourceFile } from './source.js';
import { REPLICA_KIND, fieldTargetsFollowTemplate, isKeyVaultTarget, placeVaultTargets, vaultTargetOf, type VaultTarget } from './targets.js';

export interface ReadSecretfileOptions {
  file: SourceFile;
  /** `-e`: the environment profile to use; defaults to `environments.default`. */
  environment?: string;
  /** `--var-file`, already read, merged after the profile's var files (later wins). */
  varFiles?: readonly SourceFile[];
  /** Reads a var file a profile names, as written there (relative to the Secretfile). */
  loadVarFile?: (path: string) => SourceFile | { problem: string };
  /** `--strict`: a target kvrot does not serve is a problem, not a skip. */
  strict?: boolean;
  /** The consumer kinds `x-kvrot.consumers` may name; without them, any consumer is refused as unknown. */
  consumerKinds?: ConsumerCatalog;
}

export interface PolicySource extends SourceLocation {
  /** The secret entry, `secrets[3]`. */
  path: string;
  /** The SecretZero secret's name. */
  secret: string;
  /** The Key Vault target this policy serves. */
  target: string;
  /** For a template field's own target: the field. */
  field?: string;
}

export interface SecretfilePolicy {
  policy: RotationPolicy;
  source: PolicySource;
  /** validFor was not given: every + 30 days + 7 (see notes). */
  validForDefault: boolean;
  /** one_time, or no rotation_period: created when missing, never rotated. */
  neverRotated: boolean;
  /** Why the policy is as it is where that is not written in the file. */
  notes: string[];
}

export interface SkippedTarget extends SourceLocation {
  path: string;
  secret: string;
  provider: string;
  kind: string;
  reason: string;
}

export type SecretfileFinding = Finding & SourceLocation & { path: string };

export interface SecretfileResult {
  file: string;
  /** The environment profile used, if any. */
  environment?: string;
  /** The var files read, in the order they were merged. */
  varFiles: string[];
  policies: SecretfilePolicy[];
  skipped: SkippedTarget[];
  findings: SecretfileFinding[];
  warnings: SecretfileWarning[];
  problems: SecretfileProblem[];
  /** The consumer kinds `x-kvrot` names, so a caller can load them and read again. */
  consumerKindsNamed: string[];
}

/** A Secretfile nests a few levels; deeper input is refused before anything recursive walks it. */
export const MAX_NESTING = 64;

const SKIP_REASON = 'kvrot serves Azure Key Vault targets only (kind key_vault or azure_keyvault): this target is left to SecretZero';

export function readSecretfile(options: ReadSecretfileOptions): SecretfileResult {
  return new SecretfileReader(options).read();
}

class SecretfileReader {
  readonly #options: ReadSecretfileOptions;
  readonly #result: SecretfileResult;
  #main!: ParsedSource;
  #unresolved = new Map<string, string[]>();
  #pendingNotes: InterpolationNote[] = [];
  #staticPrefixes: string[] = [];
  #templates = new Map<string, SecretZeroTemplate | undefined>();
  #templateData: Record<string, unknown> = {};
  #profile: { name: string; value: TargetProfile } | undefined;
  #seenIds = new Map<string, string>();
  #seenSecrets = new Map<string, string>();

  constructor(options: ReadSecretfileOptions) {
    this.#options = options;
    this.#result = { file: options.file.name, varFiles: [], policies: [], skipped: [], findings: [], warnings: [], problems: [], consumerKindsNamed: [] };
  }

  read(): SecretfileResult {
    this.#readAll();
    this.#flushNotes();
    this.#result.consumerKindsNamed = [...new Set(this.#result.consumerKindsNamed)].sort();
    // A template used by several secrets is checked for each: say each thing once.
    this.#result.problems = distinct(this.#result.problems);
    this.#result.warnings = distinct(this.#result.warnings);
    return this.#result;
  }

  #readAll(): void {
    const parsed = parseSource(this.#options.file);
    if (!parsed.ok) {
      this.#result.problems.push(...parsed.problems);
      return;
    }
    this.#main = parsed.source;
    const raw = parsed.source.data;
    if (!isPlainMap(raw)) {
      this.#problem([], raw === null || raw === undefined ? 'the file is empty: a Secretfile is a map with secrets' : `the file holds ${typeName(raw)}; a Secretfile is a map with secrets`);
      return;
    }
    if (nestingDepth(raw) > MAX_NESTING) {
      this.#problem([], `the file nests more than ${MAX_NESTING} levels deep; no Secretfile needs that, and it is refused before anything walks it`);
      return;
    }
    const variables = this.#variables(raw);
    if (variables === undefined) return;
    const interpolated = interpolateTree(raw, { variables });
    this.#notes(interpolated.notes);
    const data = interpolated.data as Record<string, unknown>;
    this.#markStaticValues(data);
    const model = this.#section(secretfileSchema, data, []);
    if (!model) return;
    this.#templateData = model.templates ?? {};
    this.#profile = this.#targetProfile(model);
    const topLevel = model[X_KVROT] ?? {};
    this.#usedStrings([X_KVROT], topLevel);
    const rules = secretZeroRules(model.policies, model.metadata?.compliance);
    for (const { path, issues } of rules.issues) this.#zodIssues(path, issues);
    (model.secrets ?? []).forEach((entry, index) => this.#secret(entry, ['secrets', index], model, topLevel, rules.rules));
  }

  // ------------------------------------------------------------------ environments and variables

  /** `variables`, then the profile's var files, then --var-file, each merged over the last; undefined when a file could not be used. */
  #variables(raw: Record<string, unknown>): Variables | undefined {
    let variables: Variables = isPlainMap(raw['variables']) ? raw['variables'] : {};
    const base = variables;
    const environments = isPlainMap(raw['environments']) ? raw['environments'] : undefined;
    const profiles = environments && isPlainMap(environments['profiles']) ? environments['profiles'] : undefined;
    const fallback = typeof environments?.['default'] === 'string' ? environments['default'] : undefined;
    if (fallback !== undefined && !(profiles && Object.hasOwn(profiles, fallback))) {
      this.#problem(['environments', 'default'], `environment '${fallback}' is not defined under environments.profiles`);
    }
    const chosen = this.#options.environment ?? fallback;
    let ok = true;
    if (chosen !== undefined) {
      if (!environments) {
        this.#problem([], `environment '${chosen}' was asked for (-e), but the file has no environments map: add environments.profiles.${chosen} (it may be empty), or leave -e out and set x-kvrot.environment`);
        return undefined;
      }
      if (!profiles || !Object.hasOwn(profiles, chosen)) {
        const known = profiles ? Object.keys(profiles).sort().join(', ') : '';
        this.#problem(['environments', 'profiles'], `environment '${chosen}' is not defined here; the file defines ${known || 'none'}`);
        return undefined;
      }
      this.#result.environment = chosen;
      const profile = profiles[chosen];
      const varFiles = isPlainMap(profile) && Array.isArray(profile['var_files']) ? profile['var_files'] : [];
      const seen = new Set<string>();
      varFiles.forEach((entry, index) => {
        const path: Path = ['environments', 'profiles', chosen, 'var_files', index];
        if (typeof entry !== 'string') return; // the schema reports it
        const name = interpolateString(entry, path, { variables: base }, []).trim();
        if (name === '') return this.#problem(path, 'an empty var_files entry');
        if (seen.has(name)) return this.#problem(path, `var file '${name}' is listed twice`);
        seen.add(name);
        const loaded = this.#options.loadVarFile ? this.#options.loadVarFile(name) : { problem: 'var files cannot be read here' };
        if ('problem' in loaded) {
          ok = false;
          return this.#problem(path, `var file '${name}' cannot be read: ${loaded.problem}`);
        }
        const merged = this.#mergeVarFile(variables, loaded);
        if (merged) variables = merged;
        else ok = false;
      });
    }
    for (const file of this.#options.varFiles ?? []) {
      const merged = this.#mergeVarFile(variables, file);
      if (merged) variables = merged;
      else ok = false;
    }
    return ok ? variables : undefined;
  }

  #mergeVarFile(variables: Variables, file: SourceFile): Variables | undefined {
    const parsed = parseSource(file);
    if (!parsed.ok) {
      this.#result.problems.push(...parsed.problems);
      return undefined;
    }
    if (!isPlainMap(parsed.source.data)) {
      this.#result.problems.push(problemAt({ file: file.name, line: 1, column: 1 }, [], `a var file holds a map of variables, not ${typeName(parsed.source.data)}`));
      return undefined;
    }
    if (nestingDepth(parsed.source.data) > MAX_NESTING) {
      this.#result.problems.push(problemAt({ file: file.name, line: 1, column: 1 }, [], `the file nests more than ${MAX_NESTING} levels deep`));
      return undefined;
    }
    this.#result.varFiles.push(file.name);
    return mergeVariables(variables, parsed.source.data);
  }

  #targetProfile(model: z.output<typeof secretfileSchema>): { name: string; value: TargetProfile } | undefined {
    const chosen = this.#result.environment;
    if (chosen === undefined) return undefined;
    const profile = model.environments?.profiles?.[chosen];
    const name = profile?.target_profile;
    if (!name) return undefined;
    const value = model.target_profiles && Object.hasOwn(model.target_profiles, name) ? model.target_profiles[name] : undefined;
    if (!value) {
      this.#problem(['environments', 'profiles', chosen, 'target_profile'], `target profile '${name}' is not defined under target_profiles`);
      return undefined;
    }
    return { name, value };
  }

  // ------------------------------------------------------------------ secrets

  #secret(entry: unknown, path: Path, model: z.output<typeof secretfileSchema>, topLevel: TopLevelExtension, rules: readonly SecretZeroRule[]): void {
    const secret = this.#section(secretSchema, entry, path);
    if (!secret) return;
    const extension = secret[X_KVROT] ?? {};
    this.#usedStrings([...path, X_KVROT], extension);
    this.#used([...path, 'name']);
    this.#used([...path, 'kind']);
    const ownTargets = this.#targets(secret.targets, [...path, 'targets']);
    for (const { finding, path: at } of evaluateRules(rules, secret, path, ownTargets.map(({ target, path: targetPath }) => ({ kind: target.kind, path: targetPath })))) {
      this.#result.findings.push({ ...finding, ...this.#main.locate(at), path: formatPath(at) });
    }

    const template = secret.kind.startsWith('templates.') ? this.#template(secret.kind.slice('templates.'.length), [...path, 'kind']) : undefined;
    if (secret.kind.startsWith('templates.') && !template) return;
    const templatePath: Path = ['templates', secret.kind.slice('templates.'.length)];
    const templateTargets = template ? this.#targets(template.targets, [...templatePath, 'targets']) : [];
    // SecretZero applies the environment's target profile to a secret's own targets only.
    const wholeTargets = [
      ...this.#served(secret, ownTargets, this.#profile),
      ...this.#served(secret, templateTargets, undefined),
    ];
    const fieldTargets = template ? this.#fieldTargets(secret, template, templatePath) : [];
    const servedCount = wholeTargets.length + fieldTargets.reduce((sum, field) => sum + field.targets.length, 0);
    if (!hasAnyTarget(secret, template)) this.#warning(path, `secret '${secret.name}' has no targets: there is nothing for kvrot to govern`);
    if (servedCount === 0) return;
    if (secret.kind === 'script') {
      this.#problem([...path, 'kind'], 'a script generator is refused: kvrot never runs a command from a file; generate the value with random_password, random_string or a template, or keep this secret out of Key Vault targets');
      return;
    }

    const context = this.#policyContext(secret, path, extension, topLevel, model);
    if (!context) return;

    // A field's targets beside the template's need the replica kind to agree with the JSON: a reader without the app's catalog asks for it by name.
    if (wholeTargets.length > 0 && fieldTargets.length > 0) this.#result.consumerKindsNamed.push(REPLICA_KIND);
    const fieldsFollow = fieldTargetsFollowTemplate(wholeTargets.length, this.#options.consumerKinds?.get(REPLICA_KIND) !== undefined);
    if (wholeTargets.length > 0) {
      const generator = this.#wholeGenerator(secret, path, template, templatePath);
      if (generator) this.#policiesFor(secret, path, wholeTargets, context, generator, secret.name, undefined, fieldsFollow ? fieldTargets : []);
    }
    if (fieldsFollow) return;
    for (const field of fieldTargets) {
      if (wholeTargets.length > 0) {
        this.#warning(
          field.targets[0]!.path.slice(0, -1),
          `field '${field.name}' of secret '${secret.name}' has targets of its own beside the template's: without the keyvault-replica consumer kind kvrot makes a policy for the field alone, generated apart from the template's, so the field's secret and the same field inside the template's JSON hold different values (SecretZero writes one value to both); read with the app's consumer kinds (as kvrot does), the field's targets become keyvault-replica consumers of the template's policy`,
        );
      }
      const generator = this.#fieldGenerator(field.name, field.generator, [...templatePath, 'fields', field.name, 'generator']);
      if (generator) this.#policiesFor(secret, path, field.targets, context, generator, field.name, field.name);
    }
  }

  /** Each target entry checked, with where it was written. */
  #targets(entries: readonly unknown[], path: Path): { target: z.output<typeof targetSchema>; path: Path }[] {
    return entries.flatMap((entry, index) => {
      const target = this.#section(targetSchema, entry, [...path, index]);
      this.#used([...path, index, 'kind']);
      return target ? [{ target, path: [...path, index] }] : [];
    });
  }

  /** The Key Vault targets among these; the rest are listed as skipped (or refused with --strict). */
  #served(secret: SecretZeroSecret, targets: readonly { target: z.output<typeof targetSchema>; path: Path }[], profile: { name: string; value: TargetProfile } | undefined): VaultTarget[] {
    const served: VaultTarget[] = [];
    for (const { target, path } of targets) {
      if (isKeyVaultTarget(target)) {
        served.push(vaultTargetOf(target, path, profile));
        continue;
      }
      const location = this.#main.locate(path);
      this.#result.skipped.push({ ...location, path: formatPath(path), secret: secret.name, provider: target.provider, kind: target.kind, reason: SKIP_REASON });
      if (this.#options.strict) this.#problem([...path, 'kind'], `target kind '${target.kind}' is not served by kvrot, and --strict refuses what it would skip: ${SKIP_REASON}`);
    }
    return served;
  }

  #template(name: string, kindPath: Path): SecretZeroTemplate | undefined {
    if (this.#templates.has(name)) return this.#templates.get(name);
    let template: SecretZeroTemplate | undefined;
    if (!Object.hasOwn(this.#templateData, name)) {
      this.#problem(kindPath, `template '${name}' is not defined under templates`);
    } else {
      template = this.#section(templateSchema, this.#templateData[name], ['templates', name]);
    }
    this.#templates.set(name, template);
    return template;
  }

  #fieldTargets(secret: SecretZeroSecret, template: SecretZeroTemplate, templatePath: Path): FieldTargets[] {
    return Object.entries(template.fields).flatMap(([name, raw]) => {
      const field = this.#section(templateFieldSchema, raw, [...templatePath, 'fields', name]);
      if (!field) return [];
      const targets = this.#served(secret, this.#targets(field.targets, [...templatePath, 'fields', name, 'targets']), undefined);
      return targets.length > 0 ? [{ name, generator: field.generator, targets }] : [];
    });
  }

  // ------------------------------------------------------------------ what every policy of a secret shares

  #policyContext(secret: SecretZeroSecret, path: Path, extension: SecretExtension, topLevel: TopLevelExtension, model: z.output<typeof secretfileSchema>): PolicyContext | undefined {
    const extensionPath: Path = [...path, X_KVROT];
    const pick = <K extends keyof TopLevelExtension>(key: K): { value: TopLevelExtension[K]; path: Path } | undefined => {
      if (extension[key] !== undefined) return { value: extension[key], path: [...extensionPath, key] };
      if (topLevel[key] !== undefined) return { value: topLevel[key], path: [X_KVROT, key] };
      return undefined;
    };
    let ok = true;
    const environment = pick('environment') ?? (this.#result.environment !== undefined ? { value: this.#result.environment, path: ['environments', 'profiles', this.#result.environment] } : undefined);
    const owner = pick('owner') ?? (model.metadata?.owner ? { value: model.metadata.owner, path: ['metadata', 'owner'] } : undefined);
    const missing = [
      environment ? undefined : 'no environment (set x-kvrot.environment on it or at the top level, or choose a profile with -e)',
      owner ? undefined : 'no owner (set x-kvrot.owner on it or at the top level, or metadata.owner)',
    ].filter((text) => text !== undefined);
    if (missing.length > 0) {
      ok = false;
      this.#problem(path, `secret '${secret.name}' has ${missing.join(' and ')}: every policy names the environment it belongs to and who to contact`);
    }

    const rotation = this.#rotation(secret, path, extension, topLevel);
    if (!rotation) ok = false;
    if (!ok || !environment || !owner || !rotation) return undefined;
    const consumers = pick('consumers');
    for (const consumer of consumers?.value ?? []) {
      const kind = isPlainMap(consumer) ? consumer['kind'] : undefined;
      if (typeof kind === 'string') this.#result.consumerKindsNamed.push(kind);
    }
    return {
      environment: environment as { value: string; path: Path },
      owner: owner as { value: string; path: Path },
      tags: { ...(topLevel.tags ?? {}), ...(extension.tags ?? {}) },
      tagsPath: extension.tags ? [...extensionPath, 'tags'] : [X_KVROT, 'tags'],
      tagPath: (name) => (extension.tags && Object.hasOwn(extension.tags, name) ? [...extensionPath, 'tags', name] : [X_KVROT, 'tags', name]),
      strategy: pick('strategy'),
      consumers: consumers as { value: unknown[]; path: Path } | undefined,
      rotation,
      id: extension.id !== undefined ? { value: extension.id, path: [...extensionPath, 'id'] } : undefined,
    };
  }

  #rotation(secret: SecretZeroSecret, path: Path, extension: SecretExtension, topLevel: TopLevelExtension): RotationChoice | undefined {
    const notes: string[] = [];
    const periodPath: Path = [...path, 'rotation_period'];
    this.#used(periodPath);
    if (secret.one_time) {
      if (secret.rotation_period) this.#warning(periodPath, `secret '${secret.name}' is one_time: its rotation_period is not used (created once, never rotated)`);
      if (extension.validFor !== undefined) {
        this.#problem([...path, X_KVROT, 'validFor'], 'a one_time secret is never rotated, so it has no validFor to give its versions: remove validFor, or one_time to rotate it');
        return undefined;
      }
      notes.push(`one_time: created when missing and never rotated (every ${NEVER_ROTATED.every}, each version valid ${NEVER_ROTATED.validFor}, the longest the policy format allows)`);
      return { ...NEVER_ROTATED, everyPath: [...path, 'one_time'], validForPath: [...path, 'one_time'], validForDefault: true, neverRotated: true, notes };
    }
    if (!secret.rotation_period) {
      if (extension.validFor !== undefined) {
        this.#problem([...path, X_KVROT, 'validFor'], 'the secret has no rotation_period, so it is never rotated and has no validFor to give its versions: add rotation_period');
        return undefined;
      }
      notes.push(`no rotation_period: SecretZero never rotates this secret, and neither will kvrot (every ${NEVER_ROTATED.every}, each version valid ${NEVER_ROTATED.validFor}); add rotation_period to rotate it`);
      return { ...NEVER_ROTATED, everyPath: path, validForPath: path, validForDefault: true, neverRotated: true, notes };
    }
    const reading = readRotationPeriod(secret.rotation_period);
    if (!reading.ok) {
      this.#problem(periodPath, `'${secret.rotation_period}' ${reading.message}`);
      return undefined;
    }
    if (reading.note) notes.push(reading.note);
    const given = extension.validFor !== undefined ? { value: extension.validFor, path: [...path, X_KVROT, 'validFor'] } : topLevel.validFor !== undefined ? { value: topLevel.validFor, path: [X_KVROT, 'validFor'] } : undefined;
    if (given) return { every: reading.every, validFor: given.value, everyPath: periodPath, validForPath: given.path, validForDefault: false, neverRotated: false, notes };
    const defaulted = defaultValidFor(reading.every);
    if (!defaulted.ok) {
      this.#problem(periodPath, defaulted.message);
      return undefined;
    }
    const { validFor } = defaulted;
    notes.push(validForExplanation(reading.every, validFor));
    return { every: reading.every, validFor, everyPath: periodPath, validForPath: periodPath, validForDefault: true, neverRotated: false, notes };
  }

  // ------------------------------------------------------------------ generators

  /** Reports what mapping the generator finds; false when a problem means no policy can be made from it. */
  #mapsCleanly(source: GeneratorSource): boolean {
    let problems = 0;
    const report: MappingReport = {
      problem: (path, message) => {
        problems += 1;
        this.#problem(path, message);
      },
      warning: (path, message, at) => this.#warning(path, message, at),
    };
    mapRandomGenerator(source, 'generator', new Origins([]), report);
    return problems === 0;
  }

  /** The generator for the secret's whole value: its own kind, or its template's fields. */
  #wholeGenerator(secret: SecretZeroSecret, path: Path, template: SecretZeroTemplate | undefined, templatePath: Path): GeneratorBuild | undefined {
    if (!template) return this.#simpleGenerator(secret.kind, secret.config, [...path, 'kind'], [...path, 'config'], 'whole');
    const fields: [string, FieldBuild][] = [];
    let ok = true;
    for (const name of Object.keys(template.fields)) {
      const fieldPath: Path = [...templatePath, 'fields', name];
      const field = this.#section(templateFieldSchema, template.fields[name], fieldPath, { quiet: true });
      if (!field) {
        ok = false;
        continue;
      }
      const built = this.#templateField(name, field.generator, [...fieldPath, 'generator']);
      if (built) fields.push([name, built]);
      else ok = false;
    }
    if (!ok) return undefined;
    return {
      kind: 'template',
      build: (origins) => {
        origins.set('generator', [...templatePath, 'fields']);
        origins.set('generator.kind', [...path, 'kind']);
        origins.set('generator.fields', [...templatePath, 'fields']);
        const spec: Record<string, unknown> = {};
        for (const [name, field] of fields) setOwn(spec, name, field.build(origins, `generator.fields.${name}`));
        return { kind: 'template', fields: spec };
      },
      notes: [],
    };
  }

  /** A template field inside the template's JSON value. */
  #templateField(name: string, raw: unknown, generatorPath: Path): FieldBuild | undefined {
    const generator = this.#section(generatorSchema, raw, generatorPath);
    if (!generator) return undefined;
    const configPath: Path = [...generatorPath, 'config'];
    if (generator.kind === 'static') {
      const text = staticFieldText(generator.config);
      this.#staticValue(configPath);
      if (text === undefined) {
        this.#problem(configPath, `template field '${name}' has no fixed value (config.default): SecretZero would ask a person for it, and kvrot has no one to ask`);
        return undefined;
      }
      if (/^\$\{[^}]+\}$/.test(text)) {
        this.#problem(configPath, `template field '${name}' is an unresolved \${...} reference: SecretZero would ask a person for it, and kvrot has no one to ask; set the variable in variables or a var file`);
        return undefined;
      }
      return { build: (origins, prefix) => (origins.set(prefix, configPath), { static: text }) };
    }
    if (!(GENERATED_KINDS as readonly string[]).includes(generator.kind)) {
      this.#unknownKind(generator.kind, [...generatorPath, 'kind'], 'a template field');
      return undefined;
    }
    const source = { kind: generator.kind, config: generator.config, kindPath: [...generatorPath, 'kind'], configPath };
    this.#usedStrings(configPath, generator.config);
    if (!this.#mapsCleanly(source)) return undefined;
    return { build: (origins, prefix) => (origins.set(prefix, configPath), mapRandomGenerator(source, prefix, origins, QUIET)) };
  }

  /** A template field with Key Vault targets of its own becomes a policy for that field's value alone. */
  #fieldGenerator(name: string, raw: unknown, generatorPath: Path): GeneratorBuild | undefined {
    const generator = this.#section(generatorSchema, raw, generatorPath, { quiet: true });
    if (!generator) return undefined;
    return this.#simpleGenerator(generator.kind, generator.config, [...generatorPath, 'kind'], [...generatorPath, 'config'], name);
  }

  #simpleGenerator(kind: string, config: Record<string, unknown>, kindPath: Path, configPath: Path, what: string): GeneratorBuild | undefined {
    if (kind === 'static') {
      this.#staticValue(configPath);
      const notes = ['static: the value is set in Key Vault by other means; the policy never holds it (any value in the Secretfile is not carried over) and kvrot watches its expiry'];
      return { kind, build: (origins) => (origins.set('generator', kindPath), { kind: 'static' }), notes };
    }
    if (!(GENERATED_KINDS as readonly string[]).includes(kind)) {
      this.#unknownKind(kind, kindPath, what === 'whole' ? 'a secret' : 'a template field');
      return undefined;
    }
    this.#usedStrings(configPath, config);
    const source = { kind, config, kindPath, configPath };
    // Mapped once now for its problems and warnings, and again per policy for that policy's origins.
    if (!this.#mapsCleanly(source)) return undefined;
    return { kind, build: (origins) => (origins.set('generator', configPath), mapRandomGenerator(source, 'generator', origins, QUIET)), notes: [] };
  }

  #unknownKind(kind: string, path: Path, what: string): void {
    if (kind === 'script') {
      this.#problem(path, 'a script generator is refused: kvrot never runs a command from a file');
      return;
    }
    this.#problem(path, `generator kind '${kind}' is not one kvrot makes: ${what} in Key Vault is random_password, random_string, static${what === 'a secret' ? ' or templates.<name>' : ''}`);
  }

  // ------------------------------------------------------------------ policies

  #policiesFor(secret: SecretZeroSecret, path: Path, targets: readonly VaultTarget[], context: PolicyContext, generator: GeneratorBuild, defaultName: string, field: string | undefined, fieldReplicas: readonly FieldTargets[] = []): void {
    const baseId = this.#baseId(secret, path, context, field);
    if (baseId === undefined) return;
    // Several vaults need the replica kind: a reader without the app's catalog asks for it by name.
    if (targets.length > 1) this.#result.consumerKindsNamed.push(REPLICA_KIND);
    const placements = placeVaultTargets(targets, this.#options.consumerKinds?.get(REPLICA_KIND) !== undefined);
    const ids: string[] = [];
    placements.forEach((placement, index) => {
      const target = placement.primary;
      const id = index === 0 ? baseId : this.#suffixed(baseId, target, ids);
      ids.push(id);
      const replicas: Replica[] = [
        ...placement.replicas.map((replica) => ({ target: replica, defaultName })),
        ...(index === 0 ? fieldReplicas.flatMap(({ name, targets: own }) => own.map((replica) => ({ target: replica, defaultName: name, field: name }))) : []),
      ];
      this.#policy(secret, path, placement.primary, replicas, context, generator, defaultName, field, id);
    });
    for (const { name, targets: own } of fieldReplicas) {
      this.#warning(
        own[0]!.path.slice(0, -1),
        `field '${name}' of secret '${secret.name}' has targets of its own beside the template's: policy ${ids[0]} copies that field of each version to ${own.length === 1 ? 'it' : `each of the ${own.length}`} as a keyvault-replica consumer with field '${name}', so the field's secret holds the same value as the field inside the template's JSON, as SecretZero writes it; each replica vault must be governed by the deployment`,
      );
    }
    const replicas = placements[0]?.replicas ?? [];
    if (replicas.length > 0) {
      this.#warning(
        field === undefined ? [...path, 'targets'] : targets[0]!.path.slice(0, -1),
        `${field === undefined ? `secret '${secret.name}'` : `field '${field}' of secret '${secret.name}'`} goes to ${targets.length} vaults: policy ${ids[0]} rotates it in the first and copies each version to the other ${replicas.length} as keyvault-replica consumers, so every vault holds the same value; each replica vault must be governed by the deployment`,
      );
    } else if (placements.length > 1) {
      this.#warning(
        field === undefined ? [...path, 'targets'] : targets[0]!.path.slice(0, -1),
        `${field === undefined ? `secret '${secret.name}'` : `field '${field}' of secret '${secret.name}'`} goes to ${placements.length} vaults: kvrot makes one policy per vault (${ids.join(', ')}), each rotated on its own, so the vaults hold different values; once the keyvault-replica consumer exists the first vault will be rotated and the others kept as its replicas`,
      );
    }
  }

  /** x-kvrot.consumers, then a keyvault-replica consumer per replica vault or field target, each error pointing at its target. */
  #withReplicas(context: PolicyContext, replicas: readonly Replica[], origins: Origins): unknown {
    if (replicas.length === 0) return context.consumers?.value;
    const declared = context.consumers?.value;
    // A consumers value that is not a list is reported by parsePolicy as it is; replicas are not added to it.
    if (declared !== undefined && !Array.isArray(declared)) return declared;
    const listed = declared ?? [];
    const names: string[] = [];
    const added = replicas.map(({ target: replica, defaultName, field }, index) => {
      const at = listed.length + index;
      this.#used(replica.vaultUrlPath);
      if (replica.secretNamePath) this.#used(replica.secretNamePath);
      origins.set(`consumers.${at}`, replica.path);
      origins.set(`consumers.${at}.vaultUrl`, replica.vaultUrlPath);
      if (replica.secretNamePath) origins.set(`consumers.${at}.secretName`, replica.secretNamePath);
      // The field's entry under the template's fields: its targets' parent.
      if (field !== undefined) origins.set(`consumers.${at}.field`, replica.path.slice(0, -2));
      const name = this.#replicaName(replica, field, names);
      names.push(name);
      return { kind: REPLICA_KIND, name, vaultUrl: replica.vaultUrl, secretName: replica.secretName ?? defaultName, ...(field !== undefined ? { field } : {}) };
    });
    return [...listed, ...added];
  }

  /** `replica-<vault name>`, or `<field>-<vault name>` for a field's copy, numbered if two replicas would share it. */
  #replicaName(replica: VaultTarget, field: string | undefined, taken: readonly string[]): string {
    const vault = vaultNameOf(replica).toLowerCase();
    const base = (field === undefined ? `replica-${vault}` : withSuffix(policyIdFrom(field) ?? 'field', vault)).slice(0, 60).replace(/-+$/, '');
    let name = base;
    for (let counter = 2; taken.includes(name); counter += 1) name = `${base}-${counter}`;
    return name;
  }

  #baseId(secret: SecretZeroSecret, path: Path, context: PolicyContext, field: string | undefined): string | undefined {
    const base = context.id?.value ?? policyIdFrom(secret.name);
    if (base === undefined) {
      this.#problem([...path, 'name'], `no policy id can be made from secret name '${secret.name}' (an id is lower-case letters, digits and hyphens, starting with a letter): set x-kvrot.id on the secret`);
      return undefined;
    }
    return field === undefined ? base : withSuffix(base, field);
  }

  /** The id of a second or later vault's policy: the vault's name added, and a number if that is taken too. */
  #suffixed(base: string, target: VaultTarget, taken: readonly string[]): string {
    const vault = vaultNameOf(target);
    let id = withSuffix(base, vault);
    for (let counter = 2; taken.includes(id); counter += 1) id = withSuffix(base, `${vault}-${counter}`);
    return id;
  }

  #policy(secret: SecretZeroSecret, path: Path, target: VaultTarget, replicas: readonly Replica[], context: PolicyContext, generator: GeneratorBuild, defaultName: string, field: string | undefined, id: string): void {
    const origins = new Origins(path);
    origins.set('id', context.id?.path ?? [...path, 'name']);
    origins.set('vaultUrl', target.vaultUrlPath);
    const nameDefaulted = target.secretName === undefined;
    origins.set('secretName', target.secretNamePath ?? (field === undefined ? [...path, 'name'] : target.path));
    origins.set('rotation', context.rotation.everyPath);
    origins.set('rotation.every', context.rotation.everyPath);
    origins.set('rotation.validFor', context.rotation.validForPath);
    origins.set('environment', context.environment.path);
    origins.set('owner', context.owner.path);
    origins.set('tags', context.tagsPath);
    for (const name of Object.keys(context.tags)) origins.set(`tags.${name}`, context.tagPath(name));
    if (context.strategy) origins.set('strategy', context.strategy.path, { passthrough: true });
    if (context.consumers) origins.set('consumers', context.consumers.path, { passthrough: true });
    const consumers = this.#withReplicas(context, replicas, origins);
    this.#used(target.vaultUrlPath);
    if (target.secretNamePath) this.#used(target.secretNamePath);

    if (target.vaultUrl === undefined || target.vaultUrl === null) {
      this.#problem([...target.path, 'config'], 'a key_vault target needs config.vault_url (https://<vault>.vault.azure.net)');
      return;
    }
    const input: Record<string, unknown> = {
      id,
      vaultUrl: target.vaultUrl,
      secretName: target.secretName ?? defaultName,
      generator: generator.build(origins),
      rotation: { every: context.rotation.every, validFor: context.rotation.validFor },
      environment: context.environment.value,
      owner: context.owner.value,
      tags: context.tags,
      ...(context.strategy ? { strategy: context.strategy.value } : {}),
      ...(consumers !== undefined ? { consumers } : {}),
    };
    let policy: RotationPolicy;
    try {
      policy = parsePolicy(input, this.#options.consumerKinds ?? NO_CONSUMER_KINDS);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const detail of error.details) {
        const policyPath = detail.path === '' ? [] : detail.path.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
        const hint = detail.path === 'secretName' && nameDefaulted ? ` (the target has no config.secret_name, so the ${field === undefined ? "secret's" : "field's"} name is used, as SecretZero does: set config.secret_name)` : '';
        this.#problem(origins.sourceOf(policyPath), `${detail.message}${hint} [policy '${id}', ${detail.path || 'the policy'}]`);
      }
      return;
    }
    const where = this.#main.locate(path);
    const duplicate = this.#seenIds.get(policy.id);
    if (duplicate) {
      this.#problem(context.id?.path ?? [...path, 'name'], `policy id '${policy.id}' is also made by ${duplicate}: set x-kvrot.id on one of them`);
      return;
    }
    const secretKey = `${policy.vaultUrl}/${policy.secretName.toLowerCase()}`;
    const sameSecret = this.#seenSecrets.get(secretKey);
    if (sameSecret) {
      this.#problem(target.secretNamePath ?? target.path, `secret '${policy.secretName}' in ${policy.vaultUrl} is also governed by policy '${sameSecret}': two policies would rotate the same Key Vault secret (names are compared without regard to case)`);
      return;
    }
    this.#seenIds.set(policy.id, `${formatPath(path)} (${secret.name})`);
    this.#seenSecrets.set(secretKey, policy.id);
    this.#result.policies.push({
      policy,
      source: { ...where, path: formatPath(path), secret: secret.name, target: formatPath(target.path), ...(field !== undefined ? { field } : {}) },
      validForDefault: context.rotation.validForDefault,
      neverRotated: context.rotation.neverRotated,
      notes: [...context.rotation.notes, ...generator.notes],
    });
  }

  // ------------------------------------------------------------------ reporting

  /** Parses one section, reporting its issues at their paths; undefined when it does not parse. */
  #section<T extends z.ZodType>(schema: T, value: unknown, path: Path, options: { quiet?: boolean } = {}): z.output<T> | undefined {
    const parsed = schema.safeParse(value, { error: issueMessages });
    if (parsed.success) return parsed.data;
    if (!options.quiet) this.#zodIssues(path, parsed.error.issues);
    return undefined;
  }

  #zodIssues(path: Path, issues: readonly z.core.$ZodIssue[]): void {
    for (const issue of flattenIssues(issues)) {
      const at: Path = [...path, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
      const unknownKey = issue.message.startsWith('is not a known field');
      const description = at[at.length - 1] === 'description' && issue.message === 'is required';
      const message = description
        ? "is required: SecretZero refuses a template or template field without a description (even its own documented template example, which leaves them out)"
        : unknownKey && at.includes(X_KVROT) ? `is not an x-kvrot field (environment, owner, tags, validFor, strategy, consumers${at.length > 2 ? ', id' : ''}): unknown fields are refused so that a typo cannot silently change a policy` : issue.message;
      this.#result.problems.push(problemAt(this.#main.locate(at, unknownKey ? 'key' : 'value'), at, message));
    }
  }

  #problem(path: Path, message: string): void {
    this.#result.problems.push(problemAt(this.#main.locate(path), path, message));
  }

  #warning(path: Path, message: string, at: 'value' | 'key' = 'value'): void {
    this.#result.warnings.push(problemAt(this.#main.locate(path, at), path, message));
  }

  /** Held until the end, so nothing is said about a static value, whatever secret or field it belongs to. */
  #notes(notes: readonly InterpolationNote[]): void {
    for (const note of notes) {
      if (note.kind !== 'unresolved') {
        this.#pendingNotes.push(note);
        continue;
      }
      const key = formatPath(note.path);
      this.#unresolved.set(key, [...(this.#unresolved.get(key) ?? []), note.message]);
    }
  }

  #flushNotes(): void {
    for (const note of this.#pendingNotes) {
      if (this.#isStaticValue(formatPath(note.path))) continue;
      if (note.kind === 'problem') this.#problem(note.path, note.message);
      else this.#warning(note.path, note.message);
    }
  }

  /** The config of every static secret and static template field: its value is a secret. */
  #markStaticValues(data: Record<string, unknown>): void {
    const generatorKind = (value: unknown) => (isPlainMap(value) ? value['kind'] : undefined);
    if (Array.isArray(data['secrets'])) {
      data['secrets'].forEach((secret, index) => {
        if (generatorKind(secret) === 'static') this.#staticValue(['secrets', index, 'config']);
      });
    }
    if (!isPlainMap(data['templates'])) return;
    for (const [name, template] of Object.entries(data['templates'])) {
      const fields = isPlainMap(template) && isPlainMap(template['fields']) ? template['fields'] : {};
      for (const [field, definition] of Object.entries(fields)) {
        if (isPlainMap(definition) && generatorKind(definition['generator']) === 'static') this.#staticValue(['templates', name, 'fields', field, 'generator', 'config']);
      }
    }
  }

  #isStaticValue(path: string): boolean {
    return this.#staticPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`));
  }

  /** A string kvrot uses: an unresolved reference in it is worth a warning (in a value nobody reads, it is not). */
  #used(path: Path): void {
    const key = formatPath(path);
    for (const message of this.#unresolved.get(key) ?? []) this.#warning(path, message);
    this.#unresolved.delete(key);
  }

  #usedStrings(path: Path, value: unknown, depth = 0): void {
    if (depth > MAX_NESTING) return;
    if (typeof value === 'string') this.#used(path);
    else if (Array.isArray(value)) value.forEach((item, index) => this.#usedStrings([...path, index], item, depth + 1));
    else if (isPlainMap(value)) for (const key of Object.keys(value)) this.#usedStrings([...path, key], value[key], depth + 1);
  }

  /** A static value is a secret: nothing about it, not even an unresolved reference in it, is repeated. */
  #staticValue(configPath: Path): void {
    const prefix = formatPath(configPath);
    if (!this.#staticPrefixes.includes(prefix)) this.#staticPrefixes.push(prefix);
    for (const key of [...this.#unresolved.keys()]) if (this.#isStaticValue(key)) this.#unresolved.delete(key);
  }
}

const QUIET: MappingReport = { problem: () => {}, warning: () => {} };

interface RotationChoice {
  every: string;
  validFor: string;
  everyPath: Path;
  validForPath: Path;
  validForDefault: boolean;
  neverRotated: boolean;
  notes: string[];
}

interface PolicyContext {
  environment: { value: string; path: Path };
  owner: { value: string; path: Path };
  tags: Record<string, string>;
  tagsPath: Path;
  tagPath: (name: string) => Path;
  strategy: { value: unknown; path: Path } | undefined;
  consumers: { value: unknown[]; path: Path } | undefined;
  rotation: RotationChoice;
  id: { value: string; path: Path } | undefined;
}

interface GeneratorBuild {
  kind: string;
  /** The policy's generator, registering where its parts came from. */
  build: (origins: Origins) => Record<string, unknown>;
  notes: string[];
}

interface FieldBuild {
  build: (origins: Origins, prefix: string) => Record<string, unknown>;
}

/** A template field with Key Vault targets of its own. */
interface FieldTargets {
  name: string;
  generator: unknown;
  targets: VaultTarget[];
}

/** A vault target a policy copies its value to, or one field of it, and the name the copy takes when the target gives none. */
interface Replica {
  target: VaultTarget;
  defaultName: string;
  field?: string;
}

function hasAnyTarget(secret: SecretZeroSecret, template: SecretZeroTemplate | undefined): boolean {
  if (secret.targets.length > 0) return true;
  if (!template) return false;
  return template.targets.length > 0 || Object.values(template.fields).some((field) => isPlainMap(field) && Array.isArray(field['targets']) && field['targets'].length > 0);
}

function distinct<T extends SecretfileProblem>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = `${item.file}\u0000${item.line}\u0000${item.column}\u0000${item.path}\u0000${item.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How deep the data nests, without recursion. */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (depth > MAX_NESTING) break;
    if (Array.isArray(value)) for (const item of value) stack.push([item, depth + 1]);
    else if (isPlainMap(value)) for (const key of Object.keys(value)) stack.push([value[key], depth + 1]);
  }
  return deepest;
}

/** The vault's name (the host's first label), or 'vault' for a URL parsePolicy will report. */
function vaultNameOf(target: VaultTarget): string {
  try {
    if (typeof target.vaultUrl === 'string') return new URL(parseVaultUrl(target.vaultUrl).origin).hostname.split('.')[0]!;
  } catch {
    // parsePolicy reports the URL itself.
  }
  return 'vault';
}
