import { describe, expect, it } from 'vitest';
import {
  NOT_LITERAL,
  calleeName,
  callArguments,
  literal,
  modules,
  outputs,
  paramDefault,
  params,
  parseBicep,
  property,
  resolveLiteral,
  resources,
  resourcesOfType,
  syntaxProblems,
  targetScope,
  variables,
} from './support/bicep-tree.js';

const SAMPLE = `targetScope = 'resourceGroup'

@description('Where it goes.')
param location string = 'westeurope'
param names string[]
param enabled bool = false

var roles = {
  owner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}
var roleId = roles.owner

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: 'app'
  location: location
  properties: {
    httpsOnly: true
    siteConfig: {
      'quoted-key': 'it\\'s'
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'kv'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for name in names: {
  name: name
}]

resource grant 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (enabled) {
  name: guid(vault.id, 'p', roleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
  }
}

module child 'modules/child.bicep' = [for (name, i) in names: if (enabled) {
  name: 'child-\${i}'
}]

output SITE_NAME string = site.name
`;

describe('parseBicep and syntaxProblems', () => {
  it('finds no problem in valid Bicep', () => {
    // Arrange / Act
    const file = parseBicep('sample.bicep', SAMPLE);

    // Assert
    expect(syntaxProblems(file)).toEqual([]);
  });

  it.each([
    ['an unclosed object', "resource a 'A/b@1' = {\n  name: 'x'\n", /sample\.bicep:\d+:\d+ (missing|syntax error)/],
    ['a stray token', "param a string = 'x' 'y'\n", /sample\.bicep:1:\d+ syntax error/],
    ['a missing parenthesis', 'var a = concat(b, c\n', /sample\.bicep:\d+:\d+ (missing '\)'|syntax error)/],
  ])('reports %s with its position', (_what, text, problem) => {
    // Arrange / Act
    const problems = syntaxProblems(parseBicep('sample.bicep', text));

    // Assert
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});

describe('declarations', () => {
  const file = parseBicep('sample.bicep', SAMPLE);

  it('lists resources with full types, nested and existing ones included', () => {
    // Arrange / Act
    const found = resources(file).map((r) => ({ symbol: r.symbol, type: r.type, apiVersion: r.apiVersion, existing: r.existing, parent: r.parent?.symbol }));

    // Assert
    expect(found).toEqual([
      { symbol: 'site', type: 'Microsoft.Web/sites', apiVersion: '2024-04-01', existing: false, parent: undefined },
      { symbol: 'settings', type: 'Microsoft.Web/sites/config', apiVersion: '2024-04-01', existing: false, parent: 'site' },
      { symbol: 'vault', type: 'Microsoft.KeyVault/vaults', apiVersion: '2023-07-01', existing: true, parent: undefined },
      { symbol: 'tables', type: 'Microsoft.Storage/storageAccounts/tableServices/tables', apiVersion: '2023-05-01', existing: false, parent: undefined },
      { symbol: 'grant', type: 'Microsoft.Authorization/roleAssignments', apiVersion: '2022-04-01', existing: false, parent: undefined },
    ]);
  });

  it('unwraps loops and conditions to the body', () => {
    // Arrange / Act
    const [tables] = resourcesOfType(file, 'Microsoft.Storage/storageAccounts/tableServices/tables');
    const [grant] = resourcesOfType(file, 'microsoft.authorization/roleassignments');
    const [child] = modules(file);

    // Assert
    expect(tables?.loop).toBeDefined();
    expect(property(tables?.body, 'name')?.text).toBe('name');
    expect(grant?.condition?.text).toBe('(enabled)');
    expect(child).toMatchObject({ symbol: 'child', path: 'modules/child.bicep' });
    expect(child?.loop).toBeDefined();
    expect(child?.condition?.text).toBe('(enabled)');
  });

  it('reads params with types, defaults and decorators', () => {
    // Arrange / Act
    const found = params(file);

    // Assert
    expect(found.map((p) => [p.name, p.typeText, p.defaultValue?.text])).toEqual([
      ['location', 'string', "'westeurope'"],
      ['names', 'string[]', undefined],
      ['enabled', 'bool', 'false'],
    ]);
    expect(literal(found[0]?.decorators.get('description')?.[0])).toBe('Where it goes.');
    expect(paramDefault(file, 'enabled')).toBe(false);
    expect(paramDefault(file, 'names')).toBe(NOT_LITERAL);
  });

  it('reads vars, outputs and the target scope', () => {
    // Arrange / Act / Assert
    expect(variables(file).map((v) => v.name)).toEqual(['roles', 'roleId']);
    expect(outputs(file).map((o) => [o.name, o.typeText, o.value?.text])).toEqual([['SITE_NAME', 'string', 'site.name']]);
    expect(targetScope(file)).toBe('resourceGroup');
  });
});

describe('values', () => {
  const file = parseBicep('sample.bicep', SAMPLE);
  const site = resources(file)[0]!;

  it.each([
    ['properties.httpsOnly', true],
    ['properties.siteConfig.quoted-key', "it's"],
    ['properties', { httpsOnly: true, siteConfig: { 'quoted-key': "it's" } }],
    ['location', NOT_LITERAL],
    ['properties.nothing', NOT_LITERAL],
  ])('literal at %s', (path, expected) => {
    // Arrange / Act
    const value = literal(property(site.body, path));

    // Assert
    expect(value).toEqual(expected);
  });

  it('resolves role ids through vars and var object members', () => {
    // Arrange
    const [grant] = resourcesOfType(file, 'Microsoft.Authorization/roleAssignments');
    const roleCall = property(grant?.body, 'properties.roleDefinitionId');

    // Act
    const roleId = resolveLiteral(file, callArguments(roleCall)[1]);

    // Assert
    expect(calleeName(roleCall)).toBe('subscriptionResourceId');
    expect(roleId).toBe('b7e6dc6d-f1e8-4753-8033-0f276bb0955b');
    expect(resolveLiteral(file, property(site.body, 'location'))).toBe('westeurope');
  });

  it('does not treat an interpolated string as a literal', () => {
    // Arrange
    const [child] = modules(file);

    // Act
    const name = literal(property(child?.body, 'name'));

    // Assert
    expect(name).toBe(NOT_LITERAL);
  });
});
