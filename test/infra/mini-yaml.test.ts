import { describe, expect, it } from 'vitest';
import { parseYamlSubset, yamlAt, YamlSubsetError } from './support/mini-yaml.js';

describe('parseYamlSubset', () => {
  it('reads nested block mappings of scalars, skipping comments and blank lines', () => {
    // Arrange
    const source = [
      '# leading comment',
      'name: app',
      '',
      'services:',
      '  api:',
      '    project: .   # trailing comment',
      '    host: function',
      'hooks:',
      '  postdeploy:',
      '    posix:',
      '      run: ./infra/hooks/postdeploy.sh',
      '      interactive: false',
    ].join('\n');

    // Act
    const yaml = parseYamlSubset(source);

    // Assert
    expect(yaml).toEqual({
      name: 'app',
      services: { api: { project: '.', host: 'function' } },
      hooks: { postdeploy: { posix: { run: './infra/hooks/postdeploy.sh', interactive: false } } },
    });
  });

  it.each([
    ["key: 'it''s # not a comment'", "it's # not a comment"],
    ['key: "a \\"quoted\\" value"', 'a "quoted" value'],
    ['key: a#b', 'a#b'],
    ['key: true', true],
    ['key: ~', null],
    ['key:', null],
    ["'quoted key': v", 'v'],
  ])('reads %s', (line, expected) => {
    // Arrange / Act
    const yaml = parseYamlSubset(line);

    // Assert
    expect(Object.values(yaml)[0]).toEqual(expected);
  });

  it.each([
    ['tabs', 'a:\n\tb: c', /line 2: tabs are not allowed/],
    ['sequences', 'a:\n  - b', /line 2: sequences are not supported/],
    ['flow mappings', 'a: { b: c }', /line 1: unsupported value/],
    ['flow sequences', 'a: [b, c]', /line 1: unsupported value/],
    ['anchors', 'a: &x b', /line 1: unsupported value/],
    ['block scalars', 'a: |\n  text', /line 1: unsupported value/],
    ['document markers', '---\na: b', /line 1: document markers/],
    ['duplicate keys', 'a: b\na: c', /line 2: duplicate key 'a'/],
    ['inconsistent indentation', 'a:\n  b: c\n    d: e', /line 3: unexpected indentation/],
    ['an indented first line', '  a: b', /line 1: the top-level mapping must start at column 1/],
    ['a line without a colon', 'a: b\njust text', /line 2: expected 'key: value'/],
    ['an unterminated quote', "a: 'b", /line 1: unterminated single-quoted string/],
    ['text after a quoted value', "a: 'b' c", /line 1: unexpected text after a quoted string/],
    ['a plain value with ": "', 'a: b: c', /line 1: a plain value may not contain/],
  ])('refuses %s', (_what, source, message) => {
    // Arrange / Act / Assert
    expect(() => parseYamlSubset(source)).toThrow(YamlSubsetError);
    expect(() => parseYamlSubset(source)).toThrow(message);
  });
});

describe('yamlAt', () => {
  it.each([
    ['services.api.host', 'function'],
    ['services.api', { host: 'function' }],
    ['services.web.host', undefined],
    ['services.api.host.deeper', undefined],
  ])('%s', (path, expected) => {
    // Arrange
    const yaml = parseYamlSubset('services:\n  api:\n    host: function');

    // Act
    const value = yamlAt(yaml, path);

    // Assert
    expect(value).toEqual(expected);
  });
});
