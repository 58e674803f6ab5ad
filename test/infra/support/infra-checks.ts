/**
 * The promises infra/ makes, as checks over source text. Each check takes the infra sources
 * (repo-relative path -> text) and returns its violations, so a test can run it on the real
 * files and on a deliberately broken copy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { HOST_SETTINGS, SETTINGS } from '../../../src/config.js';
import { tableNames } from '../../../src/adapters/tables/index.js';
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
  /** The tables the app's adapters use. */
  tableNames: readonly string[];
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

export function defaultInfraContext(root: string = REPO_ROOT): InfraContext {
  const functionsDir = join(root, 'src', 'functions');
  const eventGridFunctions = readdirSync(functionsDir)
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => [...readFileSync(join(functionsDir, name), 'utf8').matchAll(/app\.eventGrid\(\s*'([^']+)'/g)].map((m) => m[1]!));
  return {
    azureSettings: SETTINGS.filter((s) => s.scope === 'azure').map((s) => s.name),
    localSettings: SETTINGS.filter((s) => s.scope === 'local').map((s) => s.name),
    hostSettings: HOST_SETTINGS,
    tableNames: Object.values(tableNames()),
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
} as const;

/** Roles that must never appear: broad management or access-granting roles. */
export const FORBIDDEN_ROLES: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
  '00482a5a-887f-4fb3-b363-3b7fe8e74483': 'Key Vault Administrator',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
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
  title: 'storage: deployment and dead-letter containers, the app\'s tables (from src/adapters/tables) and its queue',
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
    collection('Microsoft.Storage/storageAccounts/queueServices/queues', 'queueNames', ['rotation-failures'], false);
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

const SECRET_TEXT = /AccountKey=|SharedAccessKey=|SharedAccessSignature=|DefaultEndpointsProtocol=|InstrumentationKey=|sig=/i;

const appSettingsCheck: InfraCheck = {
  id: 'app-settings',
  title: 'app settings: exactly the azure-scope SETTINGS of src/config.ts plus HOST_SETTINGS; identity-based storage and App Insights',
  run(sources, context) {
    const found = appSettings(sources);
    if (typeof found === 'string') return [found];
    const { file, settings } = found;
    const violations: string[] = [];
    for (const name of context.azureSettings) if (!settings.has(name)) violations.push(`${file.path}: app setting ${name} (read by src/config.ts in Azure) is missing`);
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

const monitoring: InfraCheck = {
  id: 'monitoring',
  title: 'monitoring: workspace-based App Insights without local auth; failed-rotation log alert with an optional email',
  run(sources) {
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
    for (const { file, resource } of theOne(sources, 'Microsoft.Insights/scheduledQueryRules', violations)) {
      const where = `${at(file, resource.node)} alert '${resource.symbol}'`;
      if (resource.apiVersion !== '2023-03-15-preview') violations.push(`${where}: API version ${resource.apiVersion} (expected 2023-03-15-preview)`);
      expectLiteral(file, resource, 'kind', 'LogAlert', violations);
      const criteria = kids(property(resource.body, 'properties.criteria.allOf') ?? resource.node).filter((n) => n.type === 'object');
      const query = resolveLiteral(file, property(criteria[0], 'query'));
      if (typeof query !== 'string') violations.push(`${where}: the query must be a literal (or a var holding one)`);
      else {
        for (const needle of ['traces', 'customEvents', 'RotationFailed']) if (!query.includes(needle)) violations.push(`${where}: the query does not look for ${needle}`);
        // The event name is its own field of the logged JSON line; user text reaches the message's other fields.
        if (!/\btostring\(\s*\w+\.event\s*\)\s*==\s*"rotation\.failed"/.test(query)) violations.push(`${where}: the query does not compare the event field to "rotation.failed" exactly`);
        if (/\b(contains|contains_cs|has|has_cs|has_any|hasprefix|hassuffix|startswith|endswith|matches\s+regex|in~|=~)\b[^|\n]*rotation\.failed|\bmessage\b[^|\n]*rotation\.failed/i.test(query)) {
          violations.push(`${where}: the query matches "rotation.failed" inside text; user text reaches messages, so compare the event field with == instead`);
        }
      }
      if (!/applicationinsights/i.test(property(resource.body, 'properties.scopes')?.text ?? '')) violations.push(`${where}: must be scoped to the Application Insights component`);
      const actionGroups = property(resource.body, 'properties.actions.actionGroups');
      if (!groups.some(({ resource: group }) => identifiersIn(actionGroups).includes(group.symbol))) violations.push(`${where}: does not notify the action group`);
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
