/**
 * The promises infra/ makes, as checks over source text. Each check takes the infra sources
 * (repo-relative path -> text) and returns its violations, so a test can run it on the real
 * files and on a deliberately broken copy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { HOST_SETTINGS, SETTINGS } from '../../../src/config.js';
import { tableNames } from '../../../src/adapters/tables/index.js';
import { DEFAULT_ROTATION_QUEUE_NAME, poisonQueueName } from '../../../src/core/rotation/due-queue.js';
import { DEFAULT_GOVERNANCE_SETTINGS, type GovernanceSettings } from '../../../src/core/approvals/governance-settings.js';
import { APP_ROLES } from '../../../src/core/auth/caller.js';
import { parseDuration } from '../../../src/core/durations.js';
import {
  callArguments,
  calleeName,
  calls,
  identifiersIn,
  kids,
  lineOf,
  literal,
  modules,
  NOT_LITERAL,
  outputs,
  paramDefault,
  params,
  parseBicep,
  property,
  propertyEntries,
  resolveLiteral,
  resources,
  resourcesOfType,
  stringLiteral,
  syntaxProblems,
  targetScope,
  variables,
  type BicepFile,
  type Literal,
  type ModuleDecl,
  type ParamDecl,
  type ResourceDecl,
  type SyntaxNode,
} from './bicep-tree.js';
import { parseYamlSubset, yamlAt, YamlSubsetError, type YamlMap } from './mini-yaml.js';

export type InfraSources = Readonly<Record<string, string>>;

export interface InfraContext {
  /** Settings src/config.ts reads in Azure, only locally, and the Functions host's own. */
  azureSettings: readonly string[];
  localSettings: readonly string[];
  hostSettings: readonly string[];
  /** Settings without which src/config.ts refuses to start. */
  requiredSettings: readonly string[];
  /** The app roles src/core/auth/caller.ts knows (APP_ROLES). */
  appRoles: readonly string[];
  /** The app's governance defaults (src/core/approvals/governance-settings.ts). */
  governanceDefaults: Readonly<GovernanceSettings>;
  /** Event names src logs with a literal name (logger.warn('rotation.failed', ...)). */
  loggedEvents: readonly string[];
  /** The tables the app's adapters use. */
  tableNames: readonly string[];
  /** The rotation queue's default name (ROTATION_QUEUE_NAME) and the poison queue the host moves failed messages to. */
  queueNames: readonly string[];
  /** Event Grid triggers registered in src/functions. */
  eventGridFunctions: readonly string[];
  /** Whether a repo-relative path exists outside the infra sources (package.json...). */
  exists(path: string): boolean;
}

export interface InfraCheck {
  id: string;
  title: string;
  run(sources: InfraSources, context: InfraContext): string[];
}

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

const INFRA_FILE = /\.(bicep|json|sh|ps1)$/;

/** infra/** (Bicep, JSON, hook scripts) and azure.yaml, keyed by repo-relative POSIX path. */
export function loadInfraSources(root: string = REPO_ROOT): Record<string, string> {
  const sources: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (INFRA_FILE.test(entry.name)) sources[relative(root, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(join(root, 'infra'));
  const azureYaml = join(root, 'azure.yaml');
  if (existsSync(azureYaml)) sources['azure.yaml'] = readFileSync(azureYaml, 'utf8');
  return sources;
}

/** Every .ts file under a directory, as text. */
function sourceTexts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

/** `logger.warn('x.y', ...)`, `.error('x.y')` and the approvals service's `#log('warn', 'x.y', ...)`. */
const LOGGED_EVENT = /\.(?:info|warn|error)\(\s*'([a-z][\w.-]*)'|#log\(\s*'(?:info|warn|error)',\s*'([a-z][\w.-]*)'/g;

export function defaultInfraContext(root: string = REPO_ROOT): InfraContext {
  const functionsDir = join(root, 'src', 'functions');
  const eventGridFunctions = readdirSync(functionsDir)
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => [...readFileSync(join(functionsDir, name), 'utf8').matchAll(/app\.eventGrid\(\s*'([^']+)'/g)].map((m) => m[1]!));
  const loggedEvents = new Set(sourceTexts(join(root, 'src')).flatMap((text) => [...text.matchAll(LOGGED_EVENT)].map((m) => (m[1] ?? m[2])!)));
  return {
    azureSettings: SETTINGS.filter((s) => s.scope === 'azure').map((s) => s.name),
    localSettings: SETTINGS.filter((s) => s.scope === 'local').map((s) => s.name),
    hostSettings: HOST_SETTINGS,
    requiredSettings: SETTINGS.filter((s) => s.required).map((s) => s.name),
    appRoles: APP_ROLES,
    governanceDefaults: DEFAULT_GOVERNANCE_SETTINGS,
    loggedEvents: [...loggedEvents].sort(),
    tableNames: Object.values(tableNames()),
    queueNames: [DEFAULT_ROTATION_QUEUE_NAME, poisonQueueName(DEFAULT_ROTATION_QUEUE_NAME)],
    eventGridFunctions,
    exists: (path) => existsSync(join(root, path)),
  };
}

/** A copy of the sources with one exact replacement; throws if `find` is absent, so a mutation can never silently do nothing. */
export function mutate(sources: InfraSources, path: string, find: string, replace: string): Record<string, string> {
  const text = sources[path];
  if (text === undefined) throw new Error(`mutation: no file ${path}`);
  if (!text.includes(find)) throw new Error(`mutation: '${find.slice(0, 80)}' not found in ${path}`);
  return { ...sources, [path]: text.replace(find, replace) };
}

// ---------------------------------------------------------------------------------------------
// Shared lookups

const parsed = new Map<string, BicepFile>();

function bicep(sources: InfraSources, path: string): BicepFile | undefined {
  const text = sources[path];
  if (text === undefined) return undefined;
  const key = `${path}\0${text}`;
  let file = parsed.get(key);
  if (!file) {
    file = parseBicep(path, text);
    parsed.set(key, file);
  }
  return file;
}

function bicepFiles(sources: InfraSources): BicepFile[] {
  return Object.keys(sources)
    .filter((path) => path.endsWith('.bicep'))
    .sort()
    .map((path) => bicep(sources, path)!);
}

const MAIN = 'infra/main.bicep';

function main(sources: InfraSources): BicepFile {
  const file = bicep(sources, MAIN);
  if (!file) throw new Error(`${MAIN} is missing`);
  return file;
}

/** The file a module declaration in main.bicep points at. */
function moduleFile(sources: InfraSources, module: ModuleDecl): BicepFile | undefined {
  return bicep(sources, posix.normalize(posix.join('infra', module.path)));
}

function moduleByPath(sources: InfraSources, path: string): ModuleDecl | undefined {
  return modules(main(sources)).find((m) => m.path === path);
}

function str(node: SyntaxNode | undefined): string | undefined {
  return stringLiteral(node);
}

function lit(node: SyntaxNode | undefined): Literal | typeof NOT_LITERAL {
  return literal(node);
}

function at(file: BicepFile, node: SyntaxNode): string {
  return `${file.path}:${lineOf(node)}`;
}

function describe(resource: ResourceDecl): string {
  return `${resource.type} '${resource.symbol}'`;
}

function expectLiteral(file: BicepFile, resource: ResourceDecl, path: string, expected: Literal, violations: string[]): void {
  const node = property(resource.body, path);
  const actual = lit(node);
  if (node === undefined) violations.push(`${at(file, resource.node)} ${describe(resource)}: ${path} is not set (expected ${JSON.stringify(expected)})`);
  else if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    violations.push(`${at(file, node)} ${describe(resource)}: ${path} is ${node.text} (expected ${JSON.stringify(expected)})`);
  }
}

/** Identifiers a var's value depends on, following other vars transitively. */
function dependsOnIdentifiers(file: BicepFile, node: SyntaxNode | undefined): Set<string> {
  const seen = new Set<string>();
  const queue = identifiersIn(node);
  const vars = new Map(variables(file).map((v) => [v.name, v.value]));
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (vars.has(name)) queue.push(...identifiersIn(vars.get(name)));
  }
  return seen;
}

/** For `[for x in list: ...]` / `[for (x, i) in list: ...]`: the enumerated expression. */
function loopSource(loop: SyntaxNode | undefined): SyntaxNode | undefined {
  if (!loop) return undefined;
  const inToken = loop.children.findIndex((child) => !child.isNamed && child.type === 'in');
  return loop.children.slice(inToken + 1).find((child) => child.isNamed && child.type !== 'comment');
}

function loopVariable(loop: SyntaxNode | undefined): string | undefined {
  if (!loop) return undefined;
  const initializer = loop.childForFieldName('initializer');
  if (initializer) return initializer.text;
  const parameters = kids(loop).find((child) => child.type === 'for_loop_parameters');
  return parameters ? kids(parameters).find((child) => child.type === 'loop_variable')?.text : undefined;
}

/** Whether a condition is a bool param (possibly `&&`-combined) whose default is false. */
function guardedByFalseDefault(file: BicepFile, condition: SyntaxNode | undefined): string | undefined {
  if (!condition) return undefined;
  return identifiersIn(condition).find((name) => params(file).some((p) => p.name === name && p.typeText === 'bool' && paramDefault(file, name) === false));
}

// ---------------------------------------------------------------------------------------------
// Roles

export const ROLE = {
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  websiteContributor: 'de139f84-1756-47ae-9be6-808fbbe84772',
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  storageAccountKeyOperator: '81a9662b-bebf-436f-a333-f67b29880f12',
} as const;

/** Roles that must never appear: broad management or access-granting roles. */
export const FORBIDDEN_ROLES: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
  '00482a5a-887f-4fb3-b363-3b7fe8e74483': 'Key Vault Administrator',
};

interface AllowedRole {
  name: string;
  /** The only resource type it may be scoped to: the narrowest Bicep can express. */
  scopeType: string;
}

const ALLOWED_ROLES: Record<string, AllowedRole> = {
  [ROLE.keyVaultSecretsOfficer]: { name: 'Key Vault Secrets Officer', scopeType: 'Microsoft.KeyVault/vaults' },
  [ROLE.storageBlobDataOwner]: { name: 'Storage Blob Data Owner', scopeType: 'Microsoft.Storage/storageAccounts' },
  [ROLE.storageQueueDataContributor]: { name: 'Storage Queue Data Contributor', scopeType: 'Microsoft.Storage/storageAccounts' },
  [ROLE.storageTableDataContributor]: { name: 'Storage Table Data Contributor', scopeType: 'Microsoft.Storage/storageAccounts' },
  [ROLE.monitoringMetricsPublisher]: { name: 'Monitoring Metrics Publisher', scopeType: 'Microsoft.Insights/components' },
  [ROLE.storageBlobDataContributor]: { name: 'Storage Blob Data Contributor', scopeType: 'Microsoft.Storage/storageAccounts/blobServices/containers' },
  // The access review's reads (vault settings, diagnostic settings, role assignments), on each vault only.
  [ROLE.reader]: { name: 'Reader', scopeType: 'Microsoft.KeyVault/vaults' },
  // The app-service consumer's refresh of Key Vault references, on each listed site only.
  [ROLE.websiteContributor]: { name: 'Website Contributor', scopeType: 'Microsoft.Web/sites' },
  // Rotation events: publishing to the deployment's own topic, nothing else.
  [ROLE.eventGridDataSender]: { name: 'EventGrid Data Sender', scopeType: 'Microsoft.EventGrid/topics' },
  // The storage-account-key consumer's listKeys and regenerateKey, on each listed account only.
  [ROLE.storageAccountKeyOperator]: { name: 'Storage Account Key Operator Service Role', scopeType: 'Microsoft.Storage/storageAccounts' },
};

export interface RoleAssignment {
  file: BicepFile;
  resource: ResourceDecl;
  roleId: string | undefined;
  scope: ResourceDecl | undefined;
  principalType: string | undefined;
}

export function roleAssignments(sources: InfraSources): RoleAssignment[] {
  return bicepFiles(sources).flatMap((file) => {
    const declared = resources(file);
    return resourcesOfType(file, 'Microsoft.Authorization/roleAssignments').map((resource) => {
      const roleCall = property(resource.body, 'properties.roleDefinitionId');
      const [typeArg, idArg] = callArguments(roleCall);
      const roleId =
        calleeName(roleCall) === 'subscriptionResourceId' && str(typeArg) === 'Microsoft.Authorization/roleDefinitions'
          ? resolveLiteral(file, idArg)
          : NOT_LITERAL;
      const scopeNode = property(resource.body, 'scope');
      const scope = scopeNode?.type === 'identifier' ? declared.find((r) => r.symbol === scopeNode.text) : undefined;
      const principalType = resolveLiteral(file, property(resource.body, 'properties.principalType'));
      return {
        file,
        resource,
        roleId: typeof roleId === 'string' ? roleId.toLowerCase() : undefined,
        scope,
        principalType: typeof principalType === 'string' ? principalType : undefined,
      };
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The checks

const syntax: InfraCheck = {
  id: 'syntax',
  title: 'every .bicep file under infra/ parses with no ERROR or MISSING node',
  run(sources) {
    const files = bicepFiles(sources);
    if (!sources[MAIN]) return [`${MAIN} is missing`];
    return files.flatMap(syntaxProblems);
  },
};

const scopes: InfraCheck = {
  id: 'scopes',
  title: 'main.bicep grants nothing at subscription scope; modules deploy to resource groups',
  run(sources) {
    const violations: string[] = [];
    const file = main(sources);
    const scope = targetScope(file) ?? 'resourceGroup';
    if (scope !== 'subscription' && scope !== 'resourceGroup') violations.push(`${MAIN}: targetScope '${scope}' (expected subscription or resourceGroup)`);
    if (scope === 'subscription') {
      for (const resource of resources(file)) {
        if (resource.type !== 'Microsoft.Resources/resourceGroups') {
          violations.push(`${at(file, resource.node)} ${describe(resource)} is declared at subscription scope: only the resource group may be`);
        }
      }
      const groups = resourcesOfType(file, 'Microsoft.Resources/resourceGroups').map((r) => r.symbol);
      for (const module of modules(file)) {
        const scopeNode = property(module.body, 'scope');
        const ok = (scopeNode?.type === 'identifier' && groups.includes(scopeNode.text)) || calleeName(scopeNode) === 'resourceGroup';
        if (!ok) violations.push(`${at(file, module.node)} module '${module.symbol}' must be scoped to a resource group (scope: ${scopeNode?.text ?? 'none: the subscription'})`);
      }
    }
    for (const module of bicepFiles(sources).filter((f) => f.path !== MAIN)) {
      const moduleScope = targetScope(module);
      if (moduleScope !== undefined && moduleScope !== 'resourceGroup') violations.push(`${module.path}: targetScope '${moduleScope}' (modules deploy to resource groups only)`);
      if (module.root.descendantsOfType('call_expression').some((call) => ['subscription', 'managementGroup', 'tenant'].includes(calleeName(call) ?? '') && call.parent?.type === 'object_property' && call.parent.text.startsWith('scope'))) {
        violations.push(`${module.path}: a resource is scoped above its resource group`);
      }
    }
    return violations;
  },
};

const REQUIRED_APP_ROLES: Array<{ roleId: string; principalType: string }> = [
  { roleId: ROLE.keyVaultSecretsOfficer, principalType: 'ServicePrincipal' },
  { roleId: ROLE.storageBlobDataOwner, principalType: 'ServicePrincipal' },
  { roleId: ROLE.storageQueueDataContributor, principalType: 'ServicePrincipal' },
  { roleId: ROLE.storageTableDataContributor, principalType: 'ServicePrincipal' },
  { roleId: ROLE.monitoringMetricsPublisher, principalType: 'ServicePrincipal' },
  { roleId: ROLE.storageBlobDataContributor, principalType: 'ServicePrincipal' },
  { roleId: ROLE.reader, principalType: 'ServicePrincipal' },
];

const roleAssignmentsCheck: InfraCheck = {
  id: 'role-assignments',
  title: 'role assignments: allowed roles only, each on the one resource it needs, deterministic guid() names',
  run(sources) {
    const violations: string[] = [];
    const assignments = roleAssignments(sources);
    for (const { file, resource, roleId, scope, principalType } of assignments) {
      const where = `${at(file, resource.node)} role assignment '${resource.symbol}'`;
      if (!roleId) {
        violations.push(`${where}: role id is not a resolvable subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <guid>)`);
        continue;
      }
      const allowed = ALLOWED_ROLES[roleId];
      if (!allowed) {
        violations.push(`${where}: role ${FORBIDDEN_ROLES[roleId] ?? 'unknown'} (${roleId}) is not allowed`);
        continue;
      }
      const scopeNode = property(resource.body, 'scope');
      if (!scopeNode) violations.push(`${where}: no scope, so it would apply to the whole resource group`);
      else if (!scope) violations.push(`${where}: scope '${scopeNode.text}' is not a resource declared in ${file.path}`);
      else if (scope.type !== allowed.scopeType) violations.push(`${where}: ${allowed.name} scoped to ${scope.type} (must be ${allowed.scopeType})`);
      const name = property(resource.body, 'name');
      const nameArgs = callArguments(name);
      if (calleeName(name) !== 'guid' || nameArgs.length < 3 || (scope && nameArgs[0]?.text !== `${scope.symbol}.id`)) {
        violations.push(`${where}: name must be guid(<scope>.id, <principal>, <role>), got ${name?.text ?? 'none'}`);
      }
      if (principalType !== 'ServicePrincipal' && principalType !== 'User') violations.push(`${where}: principalType must be set (ServicePrincipal or User)`);
      if (principalType === 'User') {
        if (roleId !== ROLE.keyVaultSecretsOfficer || !scope || scope.existing) {
          violations.push(`${where}: a user may only get Key Vault Secrets Officer on a vault this deployment creates`);
        }
        if (!guardedByFalseDefault(file, resource.condition)) violations.push(`${where}: the deployer's role must be conditional on a bool param that defaults to false`);
      }
    }
    for (const required of REQUIRED_APP_ROLES) {
      if (!assignments.some((a) => a.roleId === required.roleId && a.principalType === required.principalType)) {
        violations.push(`missing role assignment: ${ALLOWED_ROLES[required.roleId]!.name} for the ${required.principalType === 'User' ? 'deployer' : 'app or topic identity'}`);
      }
    }
    for (const file of bicepFiles(sources)) {
      for (const resource of resourcesOfType(file, 'Microsoft.Authorization/roleDefinitions')) {
        if (!resource.existing) violations.push(`${at(file, resource.node)}: custom role definitions are not allowed`);
      }
      for (const [id, name] of Object.entries(FORBIDDEN_ROLES)) {
        if (file.text.toLowerCase().includes(id)) violations.push(`${file.path}: mentions the ${name} role (${id})`);
      }
    }
    return violations;
  },
};

function theOne(sources: InfraSources, type: string, violations: string[]): Array<{ file: BicepFile; resource: ResourceDecl }> {
  const found = bicepFiles(sources).flatMap((file) => resourcesOfType(file, type).filter((r) => !r.existing).map((resource) => ({ file, resource })));
  if (found.length === 0) violations.push(`no ${type} is created`);
  return found;
}

const storageAccount: InfraCheck = {
  id: 'storage-account',
  title: 'storage: no shared keys, TLS 1.2, no public blob access, HTTPS only',
  run(sources) {
    const violations: string[] = [];
    for (const { file, resource } of theOne(sources, 'Microsoft.Storage/storageAccounts', violations)) {
      expectLiteral(file, resource, 'properties.allowSharedKeyAccess', false, violations);
      expectLiteral(file, resource, 'properties.minimumTlsVersion', 'TLS1_2', violations);
      expectLiteral(file, resource, 'properties.allowBlobPublicAccess', false, violations);
      expectLiteral(file, resource, 'properties.supportsHttpsTrafficOnly', true, violations);
    }
    return violations;
  },
};

function moduleParamLiteral(sources: InfraSources, module: ModuleDecl, name: string): Literal | typeof NOT_LITERAL {
  return resolveLiteral(main(sources), property(module.body, `params.${name}`));
}

const storageContents: InfraCheck = {
  id: 'storage-contents',
  title: 'storage: deployment and dead-letter containers, the app\'s tables (from src/adapters/tables), its rotation queue and that queue\'s poison queue, the one ROTATION_QUEUE_NAME names',
  run(sources, context) {
    const violations: string[] = [];
    const module = moduleByPath(sources, 'modules/storage.bicep');
    const file = module && moduleFile(sources, module);
    if (!module || !file) return ['main.bicep does not deploy modules/storage.bicep'];
    const containers = resourcesOfType(file, 'Microsoft.Storage/storageAccounts/blobServices/containers').filter((r) => !r.existing);
    for (const paramName of ['deploymentContainerName', 'deadLetterContainerName']) {
      if (!containers.some((c) => property(c.body, 'name')?.text === paramName)) violations.push(`${file.path}: no container is named by param ${paramName}`);
      const value = moduleParamLiteral(sources, module, paramName);
      if (typeof value !== 'string' || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(value)) violations.push(`${MAIN}: ${paramName} must be a valid container name, got ${JSON.stringify(value)}`);
    }
    const collection = (type: string, paramName: string, expected: readonly string[], exact: boolean): void => {
      const declared = resourcesOfType(file, type).filter((r) => !r.existing);
      if (!declared.some((r) => loopSource(r.loop)?.text === paramName && property(r.body, 'name')?.text === loopVariable(r.loop))) {
        violations.push(`${file.path}: no ${type} resource loops over param ${paramName}`);
      }
      const value = moduleParamLiteral(sources, module, paramName);
      const names = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
      if (!Array.isArray(value)) violations.push(`${MAIN}: ${paramName} must be a literal array (param or var) so the names can be checked`);
      for (const name of expected) if (!names.includes(name)) violations.push(`${MAIN}: ${paramName} lacks '${name}'`);
      if (exact) for (const name of names) if (!expected.includes(name)) violations.push(`${MAIN}: ${paramName} has '${name}', which the app does not use`);
    };
    collection('Microsoft.Storage/storageAccounts/tableServices/tables', 'tableNames', context.tableNames, true);
    collection('Microsoft.Storage/storageAccounts/queueServices/queues', 'queueNames', context.queueNames, true);
    // The app's setting names a queue made here, and the host's poison queue for it is made too.
    const queueVar = resolveLiteral(main(sources), variables(main(sources)).find((v) => v.name === 'rotationQueueName')?.value);
    const created = moduleParamLiteral(sources, module, 'queueNames');
    if (typeof queueVar !== 'string') violations.push(`${MAIN}: var rotationQueueName must be a literal queue name`);
    else if (!Array.isArray(created) || !created.includes(queueVar) || !created.includes(poisonQueueName(queueVar))) violations.push(`${MAIN}: ROTATION_QUEUE_NAME '${queueVar}' and its '${poisonQueueName(queueVar)}' must both be in queueNames`);
    return violations;
  },
};

function tagHas(tags: SyntaxNode | undefined, key: string, value: string): boolean {
  if (!tags) return false;
  const objects = tags.type === 'object' ? [tags] : tags.descendantsOfType('object');
  return objects.some((object) => propertyEntries(object).some(([k, v]) => k === key && str(v) === value));
}

const functionApp: InfraCheck = {
  id: 'function-app',
  title: 'function app: Flex Consumption FC1, node 22, identity-based deployment storage, HTTPS/TLS 1.2, no FTP or basic publishing',
  run(sources) {
    const violations: string[] = [];
    for (const { file, resource } of theOne(sources, 'Microsoft.Web/serverfarms', violations)) {
      expectLiteral(file, resource, 'sku.name', 'FC1', violations);
      expectLiteral(file, resource, 'sku.tier', 'FlexConsumption', violations);
      expectLiteral(file, resource, 'properties.reserved', true, violations);
    }
    for (const { file, resource } of theOne(sources, 'Microsoft.Web/sites', violations)) {
      const kind = str(property(resource.body, 'kind')) ?? '';
      if (!kind.includes('functionapp') || !kind.includes('linux')) violations.push(`${at(file, resource.node)} ${describe(resource)}: kind '${kind}' (expected functionapp,linux)`);
      expectLiteral(file, resource, 'identity.type', 'UserAssigned', violations);
      expectLiteral(file, resource, 'properties.httpsOnly', true, violations);
      expectLiteral(file, resource, 'properties.siteConfig.minTlsVersion', '1.2', violations);
      expectLiteral(file, resource, 'properties.siteConfig.ftpsState', 'Disabled', violations);
      const config = 'properties.functionAppConfig';
      expectLiteral(file, resource, `${config}.deployment.storage.type`, 'blobContainer', violations);
      expectLiteral(file, resource, `${config}.deployment.storage.authentication.type`, 'UserAssignedIdentity', violations);
      if (!property(resource.body, `${config}.deployment.storage.authentication.userAssignedIdentityResourceId`)) {
        violations.push(`${at(file, resource.node)} ${describe(resource)}: deployment storage must name the user-assigned identity`);
      }
      expectLiteral(file, resource, `${config}.runtime.name`, 'node', violations);
      expectLiteral(file, resource, `${config}.runtime.version`, '22', violations);
      for (const setting of ['maximumInstanceCount', 'instanceMemoryMB']) {
        if (!property(resource.body, `${config}.scaleAndConcurrency.${setting}`)) violations.push(`${at(file, resource.node)} ${describe(resource)}: scaleAndConcurrency.${setting} is not set`);
      }
      if (!tagHas(property(resource.body, 'tags'), 'azd-service-name', 'api')) violations.push(`${at(file, resource.node)} ${describe(resource)}: tags lack 'azd-service-name': 'api'`);
      const policies = resources(file).filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      for (const name of ['ftp', 'scm']) {
        const policy = policies.find((p) => str(property(p.body, 'name')) === name);
        if (!policy) violations.push(`${file.path}: no basicPublishingCredentialsPolicies '${name}'`);
        else expectLiteral(file, policy, 'properties.allow', false, violations);
      }
    }
    return violations;
  },
};

/** The literal `properties` of the sites/config 'appsettings' resource. */
export function appSettings(sources: InfraSources): { file: BicepFile; settings: Map<string, SyntaxNode> } | string {
  const found = bicepFiles(sources).flatMap((file) =>
    resourcesOfType(file, 'Microsoft.Web/sites/config')
      .filter((r) => str(property(r.body, 'name')) === 'appsettings')
      .map((resource) => ({ file, resource })),
  );
  if (found.length !== 1) return `expected one Microsoft.Web/sites/config 'appsettings' resource, found ${found.length}`;
  const { file, resource } = found[0]!;
  const object = property(resource.body, 'properties');
  if (object?.type !== 'object') return `${at(file, resource.node)}: app settings must be an object literal (no union() or variables) so they can be checked`;
  return { file, settings: new Map(propertyEntries(object)) };
}

/** listKeys(), storage.listKeys(), listSecrets(), listAccountSas()...: ARM functions that return keys. */
function isListCall(call: SyntaxNode): boolean {
  return /(^|\.)list[A-Z]\w*$/.test(calleeName(call) ?? '');
}

/** Azure-scope settings infra deliberately leaves unset, so the app's default applies; each with why. */
export const LEFT_TO_THE_APP: Readonly<Record<string, string>> = {
  AUTH_JWKS_URI: "the app derives the tenant's published keys from AUTH_TENANT_ID; only the local identity provider needs another URI",
  // The reports' parameters and unit prices: documented defaults (docs/reports.md), changed per deployment only on purpose.
  ...Object.fromEntries(
    SETTINGS.filter((s) => /^(COMPLIANCE_|COST_|REPORTS_)/.test(s.name)).map((s) => [s.name, "a governance report's parameter or unit price, with a documented default (docs/reports.md)"]),
  ),
};

const SECRET_TEXT = /AccountKey=|SharedAccessKey=|SharedAccessSignature=|DefaultEndpointsProtocol=|InstrumentationKey=|sig=/i;

const appSettingsCheck: InfraCheck = {
  id: 'app-settings',
  title: 'app settings: exactly the azure-scope SETTINGS of src/config.ts plus HOST_SETTINGS; identity-based storage and App Insights',
  run(sources, context) {
    const found = appSettings(sources);
    if (typeof found === 'string') return [found];
    const { file, settings } = found;
    const violations: string[] = [];
    for (const name of context.azureSettings) {
      if (settings.has(name) || name in LEFT_TO_THE_APP) continue;
      violations.push(`${file.path}: app setting ${name} (read by src/config.ts in Azure) is missing`);
    }
    for (const [name, why] of Object.entries(LEFT_TO_THE_APP)) {
      if (!context.azureSettings.includes(name)) violations.push(`LEFT_TO_THE_APP names ${name}, which src/config.ts no longer reads in Azure: drop it`);
      else if (context.requiredSettings.includes(name)) violations.push(`${file.path}: app setting ${name} is required by src/config.ts, so infra must set it (it was left to the app: ${why})`);
      const value = settings.get(name);
      if (value) violations.push(`${at(file, value)}: ${name} is left to the app's default in Azure (${why}); do not set it`);
    }
    for (const [name, value] of settings) {
      if (context.localSettings.includes(name)) violations.push(`${at(file, value)}: ${name} is a local-only setting and must not be set in Azure`);
      else if (!context.azureSettings.includes(name) && !context.hostSettings.includes(name)) violations.push(`${at(file, value)}: ${name} is neither read by src/config.ts nor in HOST_SETTINGS`);
      if (['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION'].includes(name)) violations.push(`${at(file, value)}: ${name} is rejected on Flex Consumption (functionAppConfig.runtime sets it)`);
      if (SECRET_TEXT.test(value.text) || calls(value).some(isListCall)) violations.push(`${at(file, value)}: ${name} carries a key or connection string`);
    }
    const expect = (name: string, test: (node: SyntaxNode) => boolean, what: string): void => {
      const node = settings.get(name);
      if (!node) violations.push(`${file.path}: host setting ${name} is missing (${what})`);
      else if (!test(node)) violations.push(`${at(file, node)}: ${name} must be ${what}, got ${node.text}`);
    };
    expect('AzureWebJobsStorage__credential', (n) => str(n) === 'managedidentity', "'managedidentity'");
    for (const service of ['blob', 'queue', 'table']) {
      expect(`AzureWebJobsStorage__${service}ServiceUri`, (n) => n.text.includes(`primaryEndpoints.${service}`) || n.type === 'identifier', `the account's ${service} endpoint`);
    }
    expect('AzureWebJobsStorage__clientId', (n) => n.type !== 'string', "the identity's client id");
    expect('APPLICATIONINSIGHTS_CONNECTION_STRING', (n) => n.text.includes('ConnectionString'), "the component's connection string");
    expect('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', (n) => /^'ClientId=\$\{[^}]+\};Authorization=AAD'$/.test(n.text), "'ClientId=${<client id>};Authorization=AAD'");
    return violations;
  },
};

const SECRET_OUTPUT_NAME = /connection_?string|instrumentation_?key|account_?key|access_?key|password|secret(?!s_officer)|sas_?token/i;
const SECRET_OUTPUT_VALUE = /ConnectionString|InstrumentationKey|listKeys|listSecrets|\.keys\b|primaryKey|secondaryKey|primaryMasterKey|\.secret/i;

const noSecrets: InfraCheck = {
  id: 'no-secrets',
  title: 'no key, SAS or connection string: no list*() call, no key-bearing text, no secret output',
  run(sources) {
    const violations: string[] = [];
    for (const file of bicepFiles(sources)) {
      for (const call of calls(file.root)) {
        if (isListCall(call)) violations.push(`${at(file, call)}: ${calleeName(call)}() reads keys or secrets`);
      }
      for (const node of file.root.descendantsOfType('string')) {
        if (SECRET_TEXT.test(node.text)) violations.push(`${at(file, node)}: text that looks like a connection string or key`);
      }
      for (const output of outputs(file)) {
        if (SECRET_OUTPUT_NAME.test(output.name) || SECRET_OUTPUT_VALUE.test(output.value?.text ?? '')) {
          violations.push(`${file.path}: output ${output.name} exposes a secret, key or connection string`);
        }
        if (output.decorators.has('secure')) violations.push(`${file.path}: output ${output.name} is @secure: outputs carry no secrets here`);
      }
    }
    return violations;
  },
};

const keyVault: InfraCheck = {
  id: 'key-vault',
  title: 'created vaults: RBAC authorization, soft delete 90 days, purge protection, public network access from a param',
  run(sources) {
    const violations: string[] = [];
    for (const { file, resource } of theOne(sources, 'Microsoft.KeyVault/vaults', violations)) {
      expectLiteral(file, resource, 'properties.enableRbacAuthorization', true, violations);
      expectLiteral(file, resource, 'properties.enableSoftDelete', true, violations);
      expectLiteral(file, resource, 'properties.softDeleteRetentionInDays', 90, violations);
      expectLiteral(file, resource, 'properties.enablePurgeProtection', true, violations);
      const network = property(resource.body, 'properties.publicNetworkAccess');
      if (network?.type !== 'identifier' || !params(file).some((p) => p.name === network.text)) {
        violations.push(`${at(file, resource.node)} ${describe(resource)}: publicNetworkAccess must come from a param, got ${network?.text ?? 'nothing'}`);
      }
      if (property(resource.body, 'properties.accessPolicies')) violations.push(`${at(file, resource.node)} ${describe(resource)}: access policies are not allowed (RBAC only)`);
    }
    return violations;
  },
};

const GOVERNED_MODULE = 'modules/governed-vault.bicep';

const governedVaults: InfraCheck = {
  id: 'governed-vaults',
  title: 'every governed vault (created or existing, any resource group) gets its role, system topic and audit logs in place, and is in GOVERNED_VAULT_URLS',
  run(sources) {
    const violations: string[] = [];
    const mainFile = main(sources);
    const module = moduleByPath(sources, GOVERNED_MODULE);
    const file = module && moduleFile(sources, module);
    if (!module || !file) return [`${MAIN} does not deploy ${GOVERNED_MODULE}`];
    const list = loopSource(module.loop);
    if (list?.type !== 'identifier') return [`${at(mainFile, module.node)}: ${GOVERNED_MODULE} must be deployed once per vault ([for vault in <list>: ...])`];
    const sourcesOfList = dependsOnIdentifiers(mainFile, list);
    for (const input of ['existingVaults', 'createKeyVault']) {
      if (!sourcesOfList.has(input)) violations.push(`${at(mainFile, module.node)}: the governed vault list '${list.text}' does not include ${input}`);
    }
    const scope = property(module.body, 'scope');
    const variable = loopVariable(module.loop);
    if (calleeName(scope) !== 'resourceGroup' || !callArguments(scope).some((arg) => arg.text.startsWith(`${variable}.`))) {
      violations.push(`${at(mainFile, module.node)}: ${GOVERNED_MODULE} must be scoped to each vault's own resource group (scope: resourceGroup(${variable}...)), got ${scope?.text ?? 'none'}`);
    }
    const appModule = moduleByPath(sources, 'modules/function-app.bicep');
    const urls = property(appModule?.body, 'params.governedVaultUrls');
    if (!dependsOnIdentifiers(mainFile, urls).has(list.text)) violations.push(`${MAIN}: governedVaultUrls passed to the function app is not built from '${list.text}'`);
    const appFile = appModule && moduleFile(sources, appModule);
    const urlsParam = appFile && params(appFile).find((p) => p.name === 'governedVaultUrls');
    const minLength = lit(urlsParam?.decorators.get('minLength')?.[0]);
    if (typeof minLength !== 'number' || minLength < 1) violations.push('modules/function-app.bicep: param governedVaultUrls needs @minLength(1): an empty list lets the app rotate in any vault');
    const appSettingsFound = appSettings(sources);
    if (typeof appSettingsFound !== 'string' && appSettingsFound.settings.get('GOVERNED_VAULT_URLS')?.text !== 'governedVaultUrls') {
      violations.push('GOVERNED_VAULT_URLS app setting must be the governedVaultUrls param');
    }

    const vault = resourcesOfType(file, 'Microsoft.KeyVault/vaults').find((r) => r.existing);
    if (!vault) return [...violations, `${file.path}: no existing Microsoft.KeyVault/vaults reference`];
    const topics = resourcesOfType(file, 'Microsoft.EventGrid/systemTopics').filter((r) => !r.existing);
    if (topics.length !== 1) violations.push(`${file.path}: expected one Event Grid system topic, found ${topics.length}`);
    for (const topic of topics) {
      expectLiteral(file, topic, 'properties.topicType', 'Microsoft.KeyVault.vaults', violations);
      if (property(topic.body, 'properties.source')?.text !== `${vault.symbol}.id`) violations.push(`${at(file, topic.node)}: system topic source must be ${vault.symbol}.id`);
      if (property(topic.body, 'location')?.text !== `${vault.symbol}.location`) violations.push(`${at(file, topic.node)}: system topic must be in the vault's location (${vault.symbol}.location)`);
      const identityType = str(property(topic.body, 'identity.type'));
      if (identityType !== 'SystemAssigned' && identityType !== 'UserAssigned') violations.push(`${at(file, topic.node)}: system topic needs an identity to dead-letter`);
    }
    const diagnostics = resourcesOfType(file, 'Microsoft.Insights/diagnosticSettings').filter((d) => property(d.body, 'scope')?.text === vault.symbol);
    if (diagnostics.length === 0) violations.push(`${file.path}: no diagnostic settings on the vault`);
    for (const settings of diagnostics) {
      if (!property(settings.body, 'properties.workspaceId')) violations.push(`${at(file, settings.node)}: diagnostic settings must send to the Log Analytics workspace`);
      const enabled = (path: string, category: string): boolean => {
        const list = lit(property(settings.body, path));
        return Array.isArray(list) && list.some((entry) => entry !== null && typeof entry === 'object' && !Array.isArray(entry) && entry['category'] === category && entry['enabled'] === true);
      };
      if (!enabled('properties.logs', 'AuditEvent')) violations.push(`${at(file, settings.node)}: the AuditEvent log category is not enabled`);
      if (!enabled('properties.metrics', 'AllMetrics')) violations.push(`${at(file, settings.node)}: AllMetrics is not enabled`);
    }
    if (!roleAssignments(sources).some((a) => a.file === file && a.roleId === ROLE.keyVaultSecretsOfficer && a.scope?.symbol === vault.symbol)) {
      violations.push(`${file.path}: the app does not get Key Vault Secrets Officer on the governed vault`);
    }
    return violations;
  },
};

const SECRET_EVENTS = ['Microsoft.KeyVault.SecretNearExpiry', 'Microsoft.KeyVault.SecretExpired', 'Microsoft.KeyVault.SecretNewVersionCreated'];
const EVENTS_MODULE = 'modules/vault-event-subscription.bicep';
const DEAD_LETTER_MODULE = 'modules/dead-letter-access.bicep';

function hookText(sources: InfraSources, path: string): string {
  return sources[path] ?? '';
}

const eventSubscriptions: InfraCheck = {
  id: 'event-subscriptions',
  title: 'Key Vault secret events go to onKeyVaultEvent with retries and identity-based dead-lettering, after the code is deployed',
  run(sources, context) {
    const violations: string[] = [];
    const subscriptions = bicepFiles(sources).flatMap((file) =>
      resourcesOfType(file, 'Microsoft.EventGrid/systemTopics/eventSubscriptions').map((resource) => ({ file, resource })),
    );
    if (subscriptions.length === 0) violations.push('no Event Grid system topic subscription is declared');
    for (const { file, resource } of subscriptions) {
      const where = `${at(file, resource.node)} event subscription '${resource.symbol}'`;
      const types = lit(property(resource.body, 'properties.filter.includedEventTypes'));
      const listed = Array.isArray(types) ? types : [];
      for (const type of SECRET_EVENTS) if (!listed.includes(type)) violations.push(`${where}: ${type} is not delivered`);
      for (const type of listed) if (typeof type !== 'string' || !SECRET_EVENTS.includes(type)) violations.push(`${where}: unexpected event type ${JSON.stringify(type)}`);
      const destination = 'properties.destination';
      if (str(property(resource.body, `${destination}.endpointType`)) !== 'AzureFunction') violations.push(`${where}: destination endpointType must be AzureFunction`);
      const target = property(resource.body, `${destination}.properties.resourceId`)?.text ?? '';
      const fn = /\/functions\/([A-Za-z0-9_-]+)'$/.exec(target)?.[1];
      if (!fn || !context.eventGridFunctions.includes(fn)) {
        violations.push(`${where}: destination must be <function app id>/functions/<an Event Grid function in src/functions: ${context.eventGridFunctions.join(', ')}>, got ${target || 'nothing'}`);
      }
      for (const setting of ['maxDeliveryAttempts', 'eventTimeToLiveInMinutes']) {
        if (!property(resource.body, `properties.retryPolicy.${setting}`)) violations.push(`${where}: retryPolicy.${setting} is not set`);
      }
      if (property(resource.body, 'properties.deadLetterDestination')) violations.push(`${where}: deadLetterDestination uses no identity; use deadLetterWithResourceIdentity (the storage account has no keys)`);
      const deadLetter = 'properties.deadLetterWithResourceIdentity';
      const identityType = str(property(resource.body, `${deadLetter}.identity.type`));
      if (identityType !== 'SystemAssigned' && identityType !== 'UserAssigned') violations.push(`${where}: dead-lettering must use the topic's managed identity (deadLetterWithResourceIdentity.identity)`);
      if (str(property(resource.body, `${deadLetter}.deadLetterDestination.endpointType`)) !== 'StorageBlob') violations.push(`${where}: dead letters must go to a StorageBlob destination`);
      for (const setting of ['resourceId', 'blobContainerName']) {
        if (!property(resource.body, `${deadLetter}.deadLetterDestination.properties.${setting}`)) violations.push(`${where}: dead-letter destination ${setting} is not set`);
      }
      if (resource.parent?.type !== 'Microsoft.EventGrid/systemTopics' && !property(resource.body, 'parent')) violations.push(`${where}: must belong to a system topic`);
    }

    const mainFile = main(sources);
    const events = moduleByPath(sources, EVENTS_MODULE);
    if (!events) violations.push(`${MAIN} does not deploy ${EVENTS_MODULE}`);
    else {
      const guard = guardedByFalseDefault(mainFile, events.condition);
      if (guard !== 'deployEventSubscriptions') violations.push(`${at(mainFile, events.node)}: ${EVENTS_MODULE} must be conditional on deployEventSubscriptions (a bool param defaulting to false)`);
      const deadLetterModule = moduleByPath(sources, DEAD_LETTER_MODULE);
      const dependsOn = identifiersIn(property(events.body, 'dependsOn'));
      if (!deadLetterModule || !dependsOn.includes(deadLetterModule.symbol)) violations.push(`${at(mainFile, events.node)}: event subscriptions must depend on the dead-letter role assignments (${DEAD_LETTER_MODULE})`);
      const governed = moduleByPath(sources, GOVERNED_MODULE);
      if (!loopSource(events.loop) || loopSource(events.loop)?.text !== loopSource(governed?.loop)?.text) violations.push(`${at(mainFile, events.node)}: event subscriptions must be deployed for every governed vault`);
      if (!property(deadLetterModule?.body, 'params.principalId')?.text.includes('systemTopicPrincipalId')) violations.push(`${MAIN}: the dead-letter role must go to each system topic's identity (systemTopicPrincipalId)`);
    }

    const parameters = parseParameters(sources);
    const flag = typeof parameters === 'string' ? undefined : parameters['deployEventSubscriptions'];
    const variable = /^\$\{([A-Z0-9_]+)=false\}$/.exec(typeof flag === 'object' && flag && 'value' in flag ? String(flag.value) : '')?.[1];
    if (!variable) violations.push('infra/main.parameters.json: deployEventSubscriptions must be "${<ENV VAR>=false}"');
    else {
      for (const hook of ['infra/hooks/postdeploy.sh', 'infra/hooks/postdeploy.ps1']) {
        const text = hookText(sources, hook);
        if (!new RegExp(`azd env set ${variable} true`).test(text) || !/azd provision/.test(text)) violations.push(`${hook}: must set ${variable} true and run azd provision`);
      }
      for (const hook of ['infra/hooks/postdown.sh', 'infra/hooks/postdown.ps1']) {
        if (!new RegExp(`azd env set ${variable} false`).test(hookText(sources, hook))) violations.push(`${hook}: must reset ${variable} to false`);
      }
    }
    return violations;
  },
};

/** A param of one file, by name. */
function paramNamed(file: BicepFile, name: string): ParamDecl | undefined {
  return params(file).find((p) => p.name === name);
}

/**
 * Where a module's param comes from in main.bicep: the expression main passes for it, and the
 * main.bicep param it is when it is one.
 */
function passedToModule(sources: InfraSources, module: ModuleDecl, name: string): { passed: SyntaxNode | undefined; mainParam: ParamDecl | undefined } {
  const passed = property(module.body, `params.${name}`);
  const mainParam = passed?.type === 'identifier' ? paramNamed(main(sources), passed.text) : undefined;
  return { passed, mainParam };
}

/** The function-app param an app setting is made of: `NAME: param` or `NAME: string(param)`. */
function settingParam(value: SyntaxNode): string | undefined {
  if (value.type === 'identifier') return value.text;
  const [arg] = callArguments(value);
  return calleeName(value) === 'string' && arg?.type === 'identifier' ? arg.text : undefined;
}

const APP_MODULE = 'modules/function-app.bicep';

/**
 * An app setting traced back to main.bicep: the setting must be a param of function-app.bicep,
 * and main.bicep must pass that param a param of its own. Returns that main.bicep param.
 */
function settingFromMainParam(sources: InfraSources, setting: string, violations: string[]): ParamDecl | undefined {
  const found = appSettings(sources);
  const module = moduleByPath(sources, APP_MODULE);
  const file = module && moduleFile(sources, module);
  if (typeof found === 'string' || !module || !file) {
    violations.push(`${MAIN} does not deploy ${APP_MODULE} with its app settings`);
    return undefined;
  }
  const value = found.settings.get(setting);
  if (!value) return undefined; // app-settings reports a missing setting
  const name = settingParam(value);
  if (!name || !paramNamed(file, name)) {
    violations.push(`${at(file, value)}: ${setting} must be a param of ${file.path} (or string(<param>)), got ${value.text}`);
    return undefined;
  }
  const { passed, mainParam } = passedToModule(sources, module, name);
  if (!mainParam) violations.push(`${MAIN}: ${setting} must come from a param of ${MAIN} (module '${module.symbol}' passes ${name}: ${passed?.text ?? 'nothing'})`);
  return mainParam;
}

function parameterValue(sources: InfraSources, name: string): unknown {
  const parameters = parseParameters(sources);
  if (typeof parameters === 'string') return undefined;
  const entry = parameters[name];
  return entry && typeof entry === 'object' && 'value' in entry ? (entry as { value: unknown }).value : undefined;
}

const PREPROVISION_HOOKS = ['infra/hooks/app-registration.sh', 'infra/hooks/app-registration.ps1'];

const authSettings: InfraCheck = {
  id: 'auth-settings',
  title: 'auth settings: AUTH_TENANT_ID defaults to the deployment tenant, AUTH_AUDIENCES is required and set by the preprovision hook, AUTH_ALLOWED_ISSUERS defaults to the app\'s',
  run(sources) {
    const violations: string[] = [];
    const tenant = settingFromMainParam(sources, 'AUTH_TENANT_ID', violations);
    if (tenant && tenant.defaultValue?.text !== 'tenant().tenantId') violations.push(`${MAIN}: param ${tenant.name} (AUTH_TENANT_ID) must default to tenant().tenantId, got ${tenant.defaultValue?.text ?? 'no default'}`);

    const audiences = settingFromMainParam(sources, 'AUTH_AUDIENCES', violations);
    if (audiences) {
      // Without an audience the app refuses to start: refuse the deployment instead.
      if (audiences.defaultValue) violations.push(`${MAIN}: param ${audiences.name} (AUTH_AUDIENCES) must have no default, got ${audiences.defaultValue.text}`);
      const minLength = lit(audiences.decorators.get('minLength')?.[0]);
      if (typeof minLength !== 'number' || minLength < 1) violations.push(`${MAIN}: param ${audiences.name} (AUTH_AUDIENCES) needs @minLength(1)`);
      const value = parameterValue(sources, audiences.name);
      if (value !== '${AUTH_AUDIENCES}') violations.push(`infra/main.parameters.json: ${audiences.name} must be "\${AUTH_AUDIENCES}", got ${JSON.stringify(value)}`);
      for (const hook of PREPROVISION_HOOKS) {
        if (!/^\s*azd env set AUTH_AUDIENCES\s+\S/m.test(sources[hook] ?? '')) violations.push(`${hook}: must set AUTH_AUDIENCES (azd env set AUTH_AUDIENCES ...)`);
      }
    }

    const issuers = settingFromMainParam(sources, 'AUTH_ALLOWED_ISSUERS', violations);
    if (issuers && paramDefault(main(sources), issuers.name) !== '') violations.push(`${MAIN}: param ${issuers.name} (AUTH_ALLOWED_ISSUERS) must default to '' so the app's own issuers apply, got ${issuers.defaultValue?.text ?? 'no default'}`);
    return violations;
  },
};

const governanceSettings: InfraCheck = {
  id: 'governance-settings',
  title: 'governance settings: GOVERNANCE_* come from params whose defaults are the app\'s (src/core/approvals/governance-settings.ts)',
  run(sources, context) {
    const violations: string[] = [];
    const file = main(sources);
    const defaults = context.governanceDefaults;

    const environments = settingFromMainParam(sources, 'GOVERNANCE_PROTECTED_ENVIRONMENTS', violations);
    if (environments) {
      const value = paramDefault(file, environments.name);
      const expected = defaults.protectedEnvironments.join(',');
      if (typeof value !== 'string' || value.split(',').map((e) => e.trim()).join(',') !== expected) {
        violations.push(`${MAIN}: param ${environments.name} (GOVERNANCE_PROTECTED_ENVIRONMENTS) defaults to ${JSON.stringify(value === NOT_LITERAL ? null : value)}; the app's default is '${expected}'`);
      }
    }

    const approvals = settingFromMainParam(sources, 'GOVERNANCE_REQUIRED_APPROVALS', violations);
    if (approvals) {
      const value = paramDefault(file, approvals.name);
      if (value !== defaults.requiredApprovals) violations.push(`${MAIN}: param ${approvals.name} (GOVERNANCE_REQUIRED_APPROVALS) defaults to ${String(value === NOT_LITERAL ? null : value)}; the app's default is ${defaults.requiredApprovals}`);
      const min = lit(approvals.decorators.get('minValue')?.[0]);
      if (typeof min !== 'number' || min < 1) violations.push(`${MAIN}: param ${approvals.name} (GOVERNANCE_REQUIRED_APPROVALS) needs @minValue(1): zero approvals would make protection a formality`);
    }

    const ttl = settingFromMainParam(sources, 'GOVERNANCE_APPROVAL_TTL', violations);
    if (ttl) {
      const value = paramDefault(file, ttl.name);
      let ms: number | undefined;
      try {
        ms = typeof value === 'string' ? parseDuration(value).milliseconds : undefined;
      } catch {
        ms = undefined;
      }
      if (ms !== defaults.approvalTtlMs) violations.push(`${MAIN}: param ${ttl.name} (GOVERNANCE_APPROVAL_TTL) defaults to ${JSON.stringify(value === NOT_LITERAL ? null : value)}, which is not the app's default of ${defaults.approvalTtlMs} ms`);
    }
    return violations;
  },
};

const STORAGE_MODULE = 'modules/storage.bicep';
const MONITORING_MODULE = 'modules/monitoring.bicep';
const AUDIT_CONTAINER_PARAM = 'auditArchiveContainerName';
/** Roles that let a principal create blobs. */
const BLOB_WRITERS: readonly string[] = [ROLE.storageBlobDataOwner, ROLE.storageBlobDataContributor];

const auditArchive: InfraCheck = {
  id: 'audit-archive',
  title: 'audit archive: a container under a time-based retention policy (unlocked, no block-blob appends) is AUDIT_ARCHIVE_CONTAINER; the app can write there and gets nothing broader for it',
  run(sources) {
    const violations: string[] = [];
    const module = moduleByPath(sources, STORAGE_MODULE);
    const file = module && moduleFile(sources, module);
    if (!module || !file) return [`${MAIN} does not deploy ${STORAGE_MODULE}`];
    const container = resourcesOfType(file, 'Microsoft.Storage/storageAccounts/blobServices/containers').find((c) => !c.existing && property(c.body, 'name')?.text === AUDIT_CONTAINER_PARAM);
    if (!container) return [`${file.path}: no container is named by param ${AUDIT_CONTAINER_PARAM}`];
    const name = moduleParamLiteral(sources, module, AUDIT_CONTAINER_PARAM);
    if (typeof name !== 'string' || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(name)) violations.push(`${MAIN}: ${AUDIT_CONTAINER_PARAM} must be a valid container name, got ${JSON.stringify(name === NOT_LITERAL ? null : name)}`);

    // The retention policy: a child of that container, nested or with parent:.
    const policies = resourcesOfType(file, 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies').filter(
      (p) => !p.existing && (p.parent?.symbol === container.symbol || property(p.body, 'parent')?.text === container.symbol),
    );
    if (policies.length === 0) violations.push(`${at(file, container.node)}: the audit archive container has no immutabilityPolicies (time-based retention)`);
    for (const policy of policies) {
      const where = `${at(file, policy.node)} retention policy '${policy.symbol}'`;
      if (str(property(policy.body, 'name')) !== 'default') violations.push(`${where}: must be named 'default'`);
      const days = property(policy.body, 'properties.immutabilityPeriodSinceCreationInDays');
      const daysParam = days?.type === 'identifier' ? paramNamed(file, days.text) : undefined;
      if (!daysParam) violations.push(`${where}: immutabilityPeriodSinceCreationInDays must be a param, got ${days?.text ?? 'nothing'}`);
      else {
        const min = lit(daysParam.decorators.get('minValue')?.[0]);
        if (typeof min !== 'number' || min < 1) violations.push(`${file.path}: param ${daysParam.name} needs @minValue(1)`);
        const fromMain = passedToModule(sources, module, daysParam.name).mainParam;
        const mainDefault = fromMain ? paramDefault(main(sources), fromMain.name) : NOT_LITERAL;
        if (typeof mainDefault !== 'number' || mainDefault < 1) violations.push(`${MAIN}: the audit retention (${daysParam.name}) must come from a param with a default of at least 1 day`);
      }
      if (lit(property(policy.body, 'properties.allowProtectedAppendWritesAll')) === true) {
        violations.push(`${where}: allowProtectedAppendWritesAll lets new blocks into block blobs; the archive creates each block blob once and never appends`);
      }
      if (lit(property(policy.body, 'properties.allowProtectedAppendWrites')) === true) {
        violations.push(`${where}: allowProtectedAppendWrites lets append blobs grow under retention; the archive writes block blobs only, each created once`);
      }
      // Locking is a POST, never a template's; a locked policy rejects the template's PUT, hence the switch.
      if (policy.condition) {
        const negated = /^\(\s*!\s*(\w+)\s*\)$/.exec(policy.condition.text)?.[1];
        const lockedParam = negated ? passedToModule(sources, module, negated).mainParam : undefined;
        if (!lockedParam || lockedParam.typeText !== 'bool' || paramDefault(main(sources), lockedParam.name) !== false) {
          violations.push(`${where}: may only be conditional on !<param> that main.bicep passes from a bool param defaulting to false (the policy was locked by hand), got if ${policy.condition.text}`);
        }
      }
    }

    // AUDIT_ARCHIVE_CONTAINER is that container's name, as the storage module outputs it.
    const output = outputs(file).find((o) => o.value?.text === `${container.symbol}.name`);
    const appModule = moduleByPath(sources, APP_MODULE);
    const found = appSettings(sources);
    const setting = typeof found === 'string' ? undefined : found.settings.get('AUDIT_ARCHIVE_CONTAINER');
    const appParam = setting && settingParam(setting);
    const passed = appModule && appParam ? property(appModule.body, `params.${appParam}`)?.text : undefined;
    if (!output || passed !== `${module.symbol}.outputs.${output.name}`) {
      violations.push(`${MAIN}: AUDIT_ARCHIVE_CONTAINER must be the audit container's name as ${STORAGE_MODULE} outputs it (${module.symbol}.outputs.<output = ${container.symbol}.name>), got ${passed ?? setting?.text ?? 'nothing'}`);
    }

    // The app writes there, and nothing it holds on the account was widened for it.
    const account = resourcesOfType(file, 'Microsoft.Storage/storageAccounts').find((r) => !r.existing);
    const appAssignments = roleAssignments(sources).filter((a) => a.file === file && identifiersIn(property(a.resource.body, 'properties.principalId')).includes('appPrincipalId'));
    const scopedTo = (a: RoleAssignment, resource: ResourceDecl | undefined): boolean => !!resource && a.scope?.symbol === resource.symbol;
    const canWrite = appAssignments.some((a) => a.roleId && BLOB_WRITERS.includes(a.roleId) && (scopedTo(a, container) || scopedTo(a, account)));
    if (!canWrite) violations.push(`${file.path}: the app identity cannot create blobs in the audit archive (Storage Blob Data Contributor on the container, or the Blob Data Owner it holds on the account)`);
    for (const a of appAssignments) {
      if (a.roleId === ROLE.storageBlobDataContributor && !scopedTo(a, container)) {
        violations.push(`${at(file, a.resource.node)} role assignment '${a.resource.symbol}': the app's Storage Blob Data Contributor is scoped to '${a.scope?.symbol ?? 'nothing'}', not the audit archive container`);
      }
    }
    return violations;
  },
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const APP_ROLES_FILE = 'infra/app-roles.json';
const SCOPES_FILE = 'infra/app-api-scopes.json';
const API_FILE = 'infra/app-api.json';

function jsonFile(sources: InfraSources, path: string, violations: string[]): unknown {
  const text = sources[path];
  if (text === undefined) {
    violations.push(`${path} is missing`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    violations.push(`${path} is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
}

function records(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)) : [];
}

function apiPart(value: unknown, key: string): unknown {
  const api = value && typeof value === 'object' ? (value as { api?: unknown }).api : undefined;
  return api && typeof api === 'object' ? (api as Record<string, unknown>)[key] : undefined;
}

const appRegistration: InfraCheck = {
  id: 'app-registration',
  title: "app registration: infra/app-roles.json is exactly the app's APP_ROLES (User and Application, stable ids); the preprovision hook applies it, the scope and the Azure CLI's pre-authorization",
  run(sources, context) {
    const violations: string[] = [];
    const roles = jsonFile(sources, APP_ROLES_FILE, violations);
    if (roles !== undefined && !Array.isArray(roles)) violations.push(`${APP_ROLES_FILE} must be a JSON array of app roles (az ad app update --app-roles)`);
    const declared = records(roles);
    const values = declared.map((r) => r['value']);
    // Graph removes a role only once it is disabled, so a retired role may stay a while with isEnabled false.
    const enabled = declared.filter((r) => r['isEnabled'] !== false).map((r) => r['value']);
    for (const role of context.appRoles) {
      if (!values.includes(role)) violations.push(`${APP_ROLES_FILE}: app role ${role} (APP_ROLES in src/core/auth/caller.ts) is missing`);
      else if (!enabled.includes(role)) violations.push(`${APP_ROLES_FILE}: app role ${role} (APP_ROLES in src/core/auth/caller.ts) is disabled`);
    }
    for (const value of enabled) if (typeof value !== 'string' || !context.appRoles.includes(value)) violations.push(`${APP_ROLES_FILE}: app role ${JSON.stringify(value)} is not in APP_ROLES (src/core/auth/caller.ts); a retired role stays only disabled`);
    const ids: unknown[] = [];
    for (const role of declared) {
      const label = `${APP_ROLES_FILE}: ${String(role['value'])}`;
      if (typeof role['id'] !== 'string' || !GUID.test(role['id'])) violations.push(`${label}: id must be a fixed lower-case GUID, got ${JSON.stringify(role['id'])}`);
      ids.push(role['id']);
      const members = role['allowedMemberTypes'];
      if (!Array.isArray(members) || [...members].sort().join() !== 'Application,User') violations.push(`${label}: allowedMemberTypes must be ["User", "Application"], got ${JSON.stringify(members)}`);
      if (typeof role['isEnabled'] !== 'boolean') violations.push(`${label}: isEnabled must be true (or false for a role being retired)`);
      for (const field of ['displayName', 'description']) if (typeof role[field] !== 'string' || !(role[field] as string).trim()) violations.push(`${label}: ${field} is empty`);
    }
    if (values.length !== new Set(values).size) violations.push(`${APP_ROLES_FILE}: an app role is declared twice`);

    // The delegated scope is created first, then pre-authorized: Graph cannot do both in one request.
    const scopesOnly = records(apiPart(jsonFile(sources, SCOPES_FILE, violations), 'oauth2PermissionScopes'));
    const api = jsonFile(sources, API_FILE, violations);
    const scopes = records(apiPart(api, 'oauth2PermissionScopes'));
    if (scopes.length === 0) violations.push(`${API_FILE}: no api.oauth2PermissionScopes`);
    if (JSON.stringify(scopesOnly) !== JSON.stringify(scopes)) violations.push(`${SCOPES_FILE} and ${API_FILE} must declare the same oauth2PermissionScopes`);
    for (const scope of scopes) {
      if (typeof scope['id'] !== 'string' || !GUID.test(scope['id'])) violations.push(`${API_FILE}: scope ${String(scope['value'])} needs a fixed lower-case GUID id`);
      ids.push(scope['id']);
    }
    if (ids.length !== new Set(ids).size) violations.push(`${APP_ROLES_FILE}, ${API_FILE}: app role and scope ids must all differ`);
    const preAuthorized = records(apiPart(api, 'preAuthorizedApplications'));
    const cli = preAuthorized.find((p) => p['appId'] === AZURE_CLI_APP_ID);
    if (!cli) violations.push(`${API_FILE}: the Azure CLI (${AZURE_CLI_APP_ID}) is not pre-authorized, so 'az account get-access-token --resource <app ID URI>' asks for consent`);
    for (const p of preAuthorized) {
      const granted = p['delegatedPermissionIds'];
      if (!Array.isArray(granted) || granted.length === 0 || granted.some((id) => !scopes.some((s) => s['id'] === id))) {
        violations.push(`${API_FILE}: pre-authorized ${String(p['appId'])} must name delegatedPermissionIds of the scopes declared here, got ${JSON.stringify(granted)}`);
      }
    }

    // The hook: wired as preprovision on both platforms, and applying these files in order.
    const yaml = (() => {
      try {
        return sources['azure.yaml'] === undefined ? undefined : parseYamlSubset(sources['azure.yaml']);
      } catch {
        return undefined; // azure-yaml reports it
      }
    })();
    for (const [platform, hook] of [['posix', PREPROVISION_HOOKS[0]!], ['windows', PREPROVISION_HOOKS[1]!]] as const) {
      const run = yaml ? yamlAt(yaml, `hooks.preprovision.${platform}.run`) : undefined;
      if (typeof run !== 'string' || posix.normalize(run) !== hook) violations.push(`azure.yaml: hooks.preprovision.${platform}.run must be ./${hook}, got ${JSON.stringify(run)}`);
      const text = sources[hook] ?? '';
      // One command a line: continuation lines (sh `\`, PowerShell backtick) joined.
      const commands = text.replace(/[\\`]\r?\n\s*/g, ' ').split('\n');
      const roleFiles = [...text.matchAll(/--app-roles\s+["']?@([^\s"']+)/g)].map((m) => m[1]!);
      if (roleFiles.length === 0) violations.push(`${hook}: does not apply infra/app-roles.json with --app-roles @<file>`);
      if (roleFiles.some((path) => !path.endsWith('/app-roles.json'))) violations.push(`${hook}: applies roles from a file other than ${APP_ROLES_FILE}: ${roleFiles.join(', ')}`);
      const writes = commands.filter((line) => /\bad app (create|update)\b/.test(line));
      if (writes.length === 0 || writes.some((line) => !/--identifier-uris\b/.test(line))) violations.push(`${hook}: every az ad app create and update must set the app ID URI (--identifier-uris)`);
      const patched = commands.filter((line) => /\brest --method PATCH\b/.test(line)).map((line) => /--body\s+["']?@[^\s"']*\/(app-api[\w-]*\.json)/.exec(line)?.[1]);
      if (patched.join() !== 'app-api-scopes.json,app-api.json') violations.push(`${hook}: must PATCH ${SCOPES_FILE} before ${API_FILE} (and nothing else), got ${patched.join(', ') || 'neither'}`);
      if (!/AUTH_APP_REGISTRATION/.test(text)) violations.push(`${hook}: no AUTH_APP_REGISTRATION=manual way out for registrations managed elsewhere`);
    }
    return violations;
  },
};

/** Events an alert rule must fire on, each compared exactly to the `event` field of the logged JSON line. */
interface AlertedEvent {
  event: string;
  /** Text the query must also contain. */
  needles: readonly string[];
  /** A dimension each occurrence is its own alert by, projected by the query. */
  splitBy?: string;
}

export const ALERTED_EVENTS: readonly AlertedEvent[] = [
  { event: 'rotation.failed', needles: ['traces', 'customEvents', 'RotationFailed'] },
  { event: 'rotation.break-glass', needles: ['traces'], splitBy: 'requestId' },
  { event: 'rotation.poison', needles: ['traces'] },
];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The action group a rule names: one declared in its file, or a param main.bicep fills with a module's `<group>.id` output. */
function notifiesActionGroup(sources: InfraSources, file: BicepFile, rule: ResourceDecl, groups: Array<{ file: BicepFile; resource: ResourceDecl }>): boolean {
  const named = identifiersIn(property(rule.body, 'properties.actions.actionGroups'));
  if (groups.some(({ file: groupFile, resource }) => groupFile === file && named.includes(resource.symbol))) return true;
  const mainFile = main(sources);
  const module = modules(mainFile).find((m) => moduleFile(sources, m) === file);
  return named.some((name) => {
    if (!paramNamed(file, name) || !module) return false;
    const passed = /^(\w+)\.outputs\.(\w+)$/.exec(property(module.body, `params.${name}`)?.text ?? '');
    const source = passed && modules(mainFile).find((m) => m.symbol === passed[1]);
    const sourceFile = source && moduleFile(sources, source);
    const output = sourceFile && outputs(sourceFile).find((o) => o.name === passed[2]);
    return groups.some(({ file: groupFile, resource }) => groupFile === sourceFile && output?.value?.text === `${resource.symbol}.id`);
  });
}

const monitoring: InfraCheck = {
  id: 'monitoring',
  title: 'monitoring: workspace-based App Insights without local auth; log alerts on rotation.failed, rotation.break-glass and rotation.poison, with an optional email',
  run(sources, context) {
    const violations: string[] = [];
    theOne(sources, 'Microsoft.OperationalInsights/workspaces', violations);
    for (const { file, resource } of theOne(sources, 'Microsoft.Insights/components', violations)) {
      expectLiteral(file, resource, 'properties.DisableLocalAuth', true, violations);
      if (!property(resource.body, 'properties.WorkspaceResourceId')) violations.push(`${at(file, resource.node)}: Application Insights must be workspace-based`);
    }
    const groups = theOne(sources, 'Microsoft.Insights/actionGroups', violations);
    for (const { file, resource } of groups) {
      const receivers = property(resource.body, 'properties.emailReceivers');
      const optional = identifiersIn(receivers).find((name) => paramDefault(file, name) === '');
      if (!optional) violations.push(`${at(file, resource.node)}: the email receiver must come from a param that defaults to '' (optional)`);
    }
    const alerted = new Set<string>();
    for (const { file, resource } of theOne(sources, 'Microsoft.Insights/scheduledQueryRules', violations)) {
      const where = `${at(file, resource.node)} alert '${resource.symbol}'`;
      if (resource.apiVersion !== '2023-03-15-preview') violations.push(`${where}: API version ${resource.apiVersion} (expected 2023-03-15-preview)`);
      expectLiteral(file, resource, 'kind', 'LogAlert', violations);
      const criteria = kids(property(resource.body, 'properties.criteria.allOf') ?? resource.node).filter((n) => n.type === 'object');
      const query = resolveLiteral(file, property(criteria[0], 'query'));
      if (typeof query !== 'string') violations.push(`${where}: the query must be a literal (or a var holding one)`);
      else {
        // The event name is its own field of the logged JSON line; user text reaches the message's other fields.
        const compared = [...query.matchAll(/\btostring\(\s*\w+\.event\s*\)\s*==\s*"([^"]+)"/g)].map((m) => m[1]!);
        if (compared.length === 0) violations.push(`${where}: the query compares the event field to no event name exactly`);
        for (const { event, needles, splitBy } of ALERTED_EVENTS) {
          const name = escapeRegExp(event);
          if (new RegExp(`\\b(contains|contains_cs|has|has_cs|has_any|hasprefix|hassuffix|startswith|endswith|matches\\s+regex|in~|=~)\\b[^|\\n]*${name}|\\bmessage\\b[^|\\n]*${name}`, 'i').test(query)) {
            violations.push(`${where}: the query matches "${event}" inside text; user text reaches messages, so compare the event field with == instead`);
          }
          if (!compared.includes(event)) continue;
          alerted.add(event);
          for (const needle of needles) if (!query.includes(needle)) violations.push(`${where}: the query does not look for ${needle}`);
          if (splitBy) {
            const dimensions = lit(property(criteria[0], 'dimensions'));
            const split = Array.isArray(dimensions) && dimensions.some((d) => !!d && typeof d === 'object' && !Array.isArray(d) && d['name'] === splitBy);
            if (!split || !new RegExp(`\\b${splitBy}\\s*=`).test(query)) violations.push(`${where}: each ${event} must be its own alert: project ${splitBy} in the query and split by it (dimensions)`);
          }
        }
      }
      if (!/applicationinsights/i.test(property(resource.body, 'properties.scopes')?.text ?? '')) violations.push(`${where}: must be scoped to the Application Insights component`);
      if (!notifiesActionGroup(sources, file, resource, groups)) violations.push(`${where}: does not notify the action group`);
    }
    for (const { event } of ALERTED_EVENTS) {
      if (!alerted.has(event)) violations.push(`no alert rule compares the event field to "${event}" exactly`);
      if (!context.loggedEvents.includes(event)) violations.push(`an alert waits for "${event}", but src logs no event of that name`);
    }
    // The app's metrics (docs/metrics.md) and the host's telemetry are sent with the app's identity, local auth being off.
    const publisher = roleAssignments(sources).find((a) => a.roleId === ROLE.monitoringMetricsPublisher && a.scope?.type === 'Microsoft.Insights/components');
    if (!publisher || !identifiersIn(property(publisher.resource.body, 'properties.principalId')).includes('appPrincipalId')) {
      violations.push('Monitoring Metrics Publisher must be assigned on the Application Insights component to appPrincipalId, the app\'s identity that publishes its metrics');
    }
    if (!property(moduleByPath(sources, MONITORING_MODULE)?.body, 'params.appPrincipalId')?.text.includes('identity.outputs.principalId')) {
      violations.push(`${MAIN}: ${MONITORING_MODULE}'s appPrincipalId must be the app identity's (identity.outputs.principalId)`);
    }
    return violations;
  },
};

const tags: InfraCheck = {
  id: 'tags',
  title: "tags: 'azd-env-name' on the resource group and every resource in it",
  run(sources) {
    const violations: string[] = [];
    const mainFile = main(sources);
    const tagsVar = variables(mainFile).find((v) => v.name === 'tags');
    if (!tagsVar || property(tagsVar.value, 'azd-env-name')?.text !== 'environmentName') violations.push(`${MAIN}: var tags must be { 'azd-env-name': environmentName }`);
    for (const group of resourcesOfType(mainFile, 'Microsoft.Resources/resourceGroups')) {
      if (property(group.body, 'tags')?.text !== 'tags') violations.push(`${at(mainFile, group.node)}: the resource group must carry tags`);
    }
    for (const module of modules(mainFile)) {
      const file = moduleFile(sources, module);
      if (!file) {
        violations.push(`${at(mainFile, module.node)}: module file ${module.path} not found`);
        continue;
      }
      const takesTags = params(file).some((p) => p.name === 'tags');
      if (takesTags && property(module.body, 'params.tags')?.text !== 'tags') violations.push(`${at(mainFile, module.node)}: module '${module.symbol}' must be passed tags`);
      for (const resource of resources(file)) {
        if (resource.existing || resource.parent || !property(resource.body, 'location')) continue;
        if (!identifiersIn(property(resource.body, 'tags')).includes('tags')) violations.push(`${at(file, resource.node)} ${describe(resource)}: no tags`);
      }
    }
    return violations;
  },
};

const REQUIRED_OUTPUTS = [
  'AZURE_LOCATION',
  'AZURE_TENANT_ID',
  'AZURE_RESOURCE_GROUP',
  'AZURE_FUNCTION_APP_NAME',
  'SERVICE_API_NAME',
  'SERVICE_API_URI',
  'AZURE_STORAGE_ACCOUNT_NAME',
  'GOVERNED_VAULT_URLS',
];

const outputsCheck: InfraCheck = {
  id: 'outputs',
  title: 'main.bicep outputs: UPPER_SNAKE names for azd, the ones azd and the docs rely on',
  run(sources) {
    const violations: string[] = [];
    const file = main(sources);
    const declared = outputs(file);
    for (const output of declared) {
      if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(output.name)) violations.push(`${MAIN}: output ${output.name} is not UPPER_SNAKE`);
      if (output.typeText !== 'string') violations.push(`${MAIN}: output ${output.name} is ${output.typeText}; azd environment values are strings`);
    }
    for (const name of REQUIRED_OUTPUTS) if (!declared.some((o) => o.name === name)) violations.push(`${MAIN}: output ${name} is missing`);
    return violations;
  },
};

const PARAMETERS = 'infra/main.parameters.json';

function parseParameters(sources: InfraSources): Record<string, unknown> | string {
  const text = sources[PARAMETERS];
  if (text === undefined) return `${PARAMETERS} is missing`;
  try {
    const json: unknown = JSON.parse(text);
    const parameters = json && typeof json === 'object' ? (json as Record<string, unknown>)['parameters'] : undefined;
    if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) return `${PARAMETERS}: no "parameters" object`;
    return parameters as Record<string, unknown>;
  } catch (error) {
    return `${PARAMETERS} is not valid JSON: ${(error as Error).message}`;
  }
}

const AZD_VARIABLES: Record<string, string> = { environmentName: 'AZURE_ENV_NAME', location: 'AZURE_LOCATION', principalId: 'AZURE_PRINCIPAL_ID' };

const parametersFile: InfraCheck = {
  id: 'parameters-file',
  title: 'main.parameters.json: only params main.bicep declares, every required one, azd variables, defaults that agree',
  run(sources) {
    const parameters = parseParameters(sources);
    if (typeof parameters === 'string') return [parameters];
    const violations: string[] = [];
    const file = main(sources);
    const declared = params(file);
    for (const [name, entry] of Object.entries(parameters)) {
      const param = declared.find((p) => p.name === name);
      if (!param) {
        violations.push(`${PARAMETERS}: ${name} is not a param of ${MAIN}`);
        continue;
      }
      const value = entry && typeof entry === 'object' && 'value' in entry ? (entry as { value: unknown }).value : undefined;
      if (value === undefined) violations.push(`${PARAMETERS}: ${name} has no "value"`);
      const withDefault = typeof value === 'string' ? /^\$\{([A-Z0-9_]+)=(.*)\}$/.exec(value) : null;
      const bicepDefault = paramDefault(file, name);
      if (withDefault && bicepDefault !== NOT_LITERAL && String(bicepDefault) !== withDefault[2]) {
        violations.push(`${PARAMETERS}: ${name} defaults to '${withDefault[2]}' but ${MAIN} defaults it to ${JSON.stringify(bicepDefault)}`);
      }
    }
    for (const param of declared) {
      if (!param.defaultValue && !(param.name in parameters)) violations.push(`${PARAMETERS}: required param ${param.name} (no default in ${MAIN}) is not provided`);
    }
    for (const [name, variable] of Object.entries(AZD_VARIABLES)) {
      const entry = parameters[name] as { value?: unknown } | undefined;
      if (entry?.value !== `\${${variable}}`) violations.push(`${PARAMETERS}: ${name} must be "\${${variable}}"`);
    }
    return violations;
  },
};

const AZD_HOOKS = ['prerestore', 'postrestore', 'preprovision', 'postprovision', 'prepackage', 'postpackage', 'predeploy', 'postdeploy', 'prepublish', 'postpublish', 'preup', 'postup', 'predown', 'postdown'];

const azureYaml: InfraCheck = {
  id: 'azure-yaml',
  title: 'azure.yaml: valid (subset) YAML naming the infra module, the api service (ts, function) and hooks that exist',
  run(sources, context) {
    const text = sources['azure.yaml'];
    if (text === undefined) return ['azure.yaml is missing'];
    let yaml: YamlMap;
    try {
      yaml = parseYamlSubset(text);
    } catch (error) {
      if (error instanceof YamlSubsetError) return [`azure.yaml ${error.message}`];
      throw error;
    }
    const violations: string[] = [];
    const expectValue = (path: string, expected: string | boolean): void => {
      const value = yamlAt(yaml, path);
      if (value !== expected) violations.push(`azure.yaml: ${path} is ${JSON.stringify(value)} (expected ${JSON.stringify(expected)})`);
    };
    if (typeof yamlAt(yaml, 'name') !== 'string') violations.push('azure.yaml: name is missing');
    expectValue('infra.provider', 'bicep');
    const infraPath = yamlAt(yaml, 'infra.path') ?? 'infra';
    const moduleName = yamlAt(yaml, 'infra.module') ?? 'main';
    if (typeof infraPath !== 'string' || typeof moduleName !== 'string' || !sources[posix.join(infraPath, `${moduleName}.bicep`)]) {
      violations.push(`azure.yaml: infra ${String(infraPath)}/${String(moduleName)}.bicep does not exist`);
    }
    const services = yamlAt(yaml, 'services');
    if (!services || typeof services !== 'object' || Object.keys(services).join() !== 'api') violations.push('azure.yaml: services must be exactly { api }');
    expectValue('services.api.language', 'ts');
    expectValue('services.api.host', 'function');
    const project = yamlAt(yaml, 'services.api.project');
    if (typeof project !== 'string' || !context.exists(posix.join(project, 'package.json'))) violations.push(`azure.yaml: services.api.project ${JSON.stringify(project)} has no package.json`);
    const hooks = yamlAt(yaml, 'hooks');
    if (!hooks || typeof hooks !== 'object') violations.push('azure.yaml: no hooks');
    else {
      if (!('postdeploy' in hooks)) violations.push('azure.yaml: no postdeploy hook (it provisions the event subscriptions)');
      for (const hook of Object.keys(hooks)) {
        if (!AZD_HOOKS.includes(hook)) violations.push(`azure.yaml: '${hook}' is not an azd hook`);
        for (const [platform, shell, extension] of [['posix', 'sh', '.sh'], ['windows', 'pwsh', '.ps1']] as const) {
          expectValue(`hooks.${hook}.${platform}.shell`, shell);
          const run = yamlAt(yaml, `hooks.${hook}.${platform}.run`);
          const path = typeof run === 'string' ? posix.normalize(run) : '';
          if (!path.endsWith(extension) || sources[path] === undefined) violations.push(`azure.yaml: hooks.${hook}.${platform}.run ${JSON.stringify(run)} is not an existing ${extension} script`);
        }
      }
    }
    return violations;
  },
};

const APP_SERVICE_MODULE = 'modules/app-service-access.bicep';

const appServiceAccess: InfraCheck = {
  id: 'app-service-access',
  title: 'app-service consumers: Website Contributor for the app on each listed site only, in its own resource group, none by default',
  run(sources) {
    const violations: string[] = [];
    const mainFile = main(sources);
    const module = moduleByPath(sources, APP_SERVICE_MODULE);
    const file = module && moduleFile(sources, module);
    if (!module || !file) return [`${MAIN} does not deploy ${APP_SERVICE_MODULE}`];
    const list = loopSource(module.loop);
    const listParam = list?.type === 'identifier' ? params(mainFile).find((p) => p.name === list.text) : undefined;
    const listDefault = listParam && paramDefault(mainFile, listParam.name);
    if (!listParam || listParam.typeText !== 'string[]' || !Array.isArray(listDefault) || listDefault.length !== 0) {
      violations.push(`${at(mainFile, module.node)}: ${APP_SERVICE_MODULE} must be deployed once per site of a string[] param that defaults to [] (no site is granted unless listed), got ${list?.text ?? 'no loop'}`);
    }
    const scope = property(module.body, 'scope');
    const variable = loopVariable(module.loop);
    if (calleeName(scope) !== 'resourceGroup' || !callArguments(scope).every((arg) => variable !== undefined && identifiersIn(arg).includes(variable))) {
      violations.push(`${at(mainFile, module.node)}: ${APP_SERVICE_MODULE} must be scoped to each site's own resource group (scope: resourceGroup(<from ${variable ?? 'the site id'}>)), got ${scope?.text ?? 'none'}`);
    }
    if (!property(module.body, 'params.appPrincipalId')?.text.includes('identity.outputs.principalId')) {
      violations.push(`${at(mainFile, module.node)}: ${APP_SERVICE_MODULE}'s appPrincipalId must be the app identity's (identity.outputs.principalId)`);
    }
    const site = resourcesOfType(file, 'Microsoft.Web/sites').find((r) => r.existing);
    if (!site) return [...violations, `${file.path}: no existing Microsoft.Web/sites reference`];
    const grants = roleAssignments(sources).filter((a) => a.file === file);
    if (grants.length !== 1 || grants[0]!.roleId !== ROLE.websiteContributor || grants[0]!.scope?.symbol !== site.symbol) {
      violations.push(`${file.path}: the only grant must be Website Contributor on the site (${site.symbol})`);
    }
    for (const grant of grants) {
      if (!identifiersIn(property(grant.resource.body, 'properties.principalId')).includes('appPrincipalId')) violations.push(`${at(file, grant.resource.node)}: Website Contributor must go to appPrincipalId, the app's identity`);
    }
    return violations;
  },
};

const STORAGE_KEY_MODULE = 'modules/storage-account-key-access.bicep';

const storageKeyAccess: InfraCheck = {
  id: 'storage-key-access',
  title: 'storage-account-key consumers: Storage Account Key Operator Service Role for the app on each listed account only, in its own resource group, none by default',
  run(sources) {
    const violations: string[] = [];
    const mainFile = main(sources);
    const module = moduleByPath(sources, STORAGE_KEY_MODULE);
    const file = module && moduleFile(sources, module);
    if (!module || !file) return [`${MAIN} does not deploy ${STORAGE_KEY_MODULE}`];
    const list = loopSource(module.loop);
    const listParam = list?.type === 'identifier' ? params(mainFile).find((p) => p.name === list.text) : undefined;
    const listDefault = listParam && paramDefault(mainFile, listParam.name);
    if (!listParam || listParam.typeText !== 'string[]' || !Array.isArray(listDefault) || listDefault.length !== 0) {
      violations.push(`${at(mainFile, module.node)}: ${STORAGE_KEY_MODULE} must be deployed once per account of a string[] param that defaults to [] (no account is granted unless listed), got ${list?.text ?? 'no loop'}`);
    }
    const scope = property(module.body, 'scope');
    const variable = loopVariable(module.loop);
    if (calleeName(scope) !== 'resourceGroup' || !callArguments(scope).every((arg) => variable !== undefined && identifiersIn(arg).includes(variable))) {
      violations.push(`${at(mainFile, module.node)}: ${STORAGE_KEY_MODULE} must be scoped to each account's own resource group (scope: resourceGroup(<from ${variable ?? 'the account id'}>)), got ${scope?.text ?? 'none'}`);
    }
    if (!property(module.body, 'params.appPrincipalId')?.text.includes('identity.outputs.principalId')) {
      violations.push(`${at(mainFile, module.node)}: ${STORAGE_KEY_MODULE}'s appPrincipalId must be the app identity's (identity.outputs.principalId)`);
    }
    const account = resourcesOfType(file, 'Microsoft.Storage/storageAccounts').find((r) => r.existing);
    if (!account) return [...violations, `${file.path}: no existing Microsoft.Storage/storageAccounts reference`];
    const grants = roleAssignments(sources).filter((a) => a.file === file);
    if (grants.length !== 1 || grants[0]!.roleId !== ROLE.storageAccountKeyOperator || grants[0]!.scope?.symbol !== account.symbol) {
      violations.push(`${file.path}: the only grant must be Storage Account Key Operator Service Role on the account (${account.symbol}), not its resource group`);
    }
    for (const grant of grants) {
      if (!identifiersIn(property(grant.resource.body, 'properties.principalId')).includes('appPrincipalId')) violations.push(`${at(file, grant.resource.node)}: Storage Account Key Operator Service Role must go to appPrincipalId, the app's identity`);
    }
    // The role is granted anywhere else only by this module: the app's own storage account never needs its keys.
    for (const other of roleAssignments(sources).filter((a) => a.roleId === ROLE.storageAccountKeyOperator && a.file !== file)) {
      violations.push(`${at(other.file, other.resource.node)}: Storage Account Key Operator Service Role is granted only by ${STORAGE_KEY_MODULE}`);
    }
    return violations;
  },
};

const ROTATION_EVENTS_MODULE = 'modules/rotation-events-topic.bicep';

const rotationEvents: InfraCheck = {
  id: 'rotation-events',
  title: 'rotation events: an Event Grid topic in the CloudEvents 1.0 schema, local auth disabled, TLS 1.2; EventGrid Data Sender for the app on that topic only; ROTATION_EVENTS_TOPIC_ENDPOINT from it',
  run(sources) {
    const violations: string[] = [];
    const mainFile = main(sources);
    const module = moduleByPath(sources, ROTATION_EVENTS_MODULE);
    const file = module && moduleFile(sources, module);
    if (!module || !file) return [`${MAIN} does not deploy ${ROTATION_EVENTS_MODULE}`];
    const topic = resourcesOfType(file, 'Microsoft.EventGrid/topics').find((r) => !r.existing);
    if (!topic) return [`${file.path}: no Microsoft.EventGrid/topics`];
    const expect = (path: string, wanted: string | boolean) => {
      const value = resolveLiteral(file, property(topic.body, path));
      if (value !== wanted) violations.push(`${at(file, topic.node)}: ${path} is ${JSON.stringify(value === NOT_LITERAL ? 'not a literal' : value)}, must be ${JSON.stringify(wanted)}`);
    };
    expect('properties.inputSchema', 'CloudEventSchemaV1_0');
    expect('properties.disableLocalAuth', true);
    expect('properties.minimumTlsVersionAllowed', '1.2');
    const grants = roleAssignments(sources).filter((a) => a.roleId === ROLE.eventGridDataSender);
    if (grants.length !== 1 || grants[0]!.file !== file || grants[0]!.scope?.symbol !== topic.symbol) {
      violations.push(`${file.path}: EventGrid Data Sender must be granted once, on the topic (${topic.symbol}) only`);
    }
    for (const grant of grants) {
      if (!identifiersIn(property(grant.resource.body, 'properties.principalId')).includes('appPrincipalId')) violations.push(`${at(grant.file, grant.resource.node)}: EventGrid Data Sender must go to appPrincipalId, the app's identity`);
    }
    if (!property(module.body, 'params.appPrincipalId')?.text.includes('identity.outputs.principalId')) {
      violations.push(`${at(mainFile, module.node)}: ${ROTATION_EVENTS_MODULE}'s appPrincipalId must be the app identity's (identity.outputs.principalId)`);
    }
    const app = moduleByPath(sources, 'modules/function-app.bicep');
    if (!app || !property(app.body, 'params.rotationEventsTopicEndpoint')?.text.includes(`${module.symbol}.outputs.endpoint`)) {
      violations.push(`${MAIN}: the function app's rotationEventsTopicEndpoint must be ${module.symbol}.outputs.endpoint (ROTATION_EVENTS_TOPIC_ENDPOINT)`);
    }
    return violations;
  },
};

export const INFRA_CHECKS: readonly InfraCheck[] = [
  syntax,
  scopes,
  roleAssignmentsCheck,
  storageAccount,
  storageContents,
  functionApp,
  appSettingsCheck,
  noSecrets,
  keyVault,
  governedVaults,
  eventSubscriptions,
  appServiceAccess,
  storageKeyAccess,
  rotationEvents,
  authSettings,
  governanceSettings,
  auditArchive,
  appRegistration,
  monitoring,
  tags,
  outputsCheck,
  parametersFile,
  azureYaml,
];

export function checkById(id: string): InfraCheck {
  const check = INFRA_CHECKS.find((c) => c.id === id);
  if (!check) throw new Error(`no infra check '${id}'`);
  return check;
}
