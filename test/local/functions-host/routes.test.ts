import { describe, expect, it } from 'vitest';
import { comparePrecedence, compileRoute, RouteTemplateError } from '../../../src/local/functions-host/routes.js';

describe('compileRoute', () => {
  it.each([
    ['policies', 'policies', {}],
    ['policies', 'Policies/', {}],
    ['policies/{id}', 'policies/payments-db', { id: 'payments-db' }],
    ['policies/{id}', 'policies/a%20b', { id: 'a b' }],
    ['policies/{id}/rotate', 'policies/x/rotate', { id: 'x' }],
    ['policies/{id?}', 'policies', {}],
    ['policies/{id?}', 'policies/7', { id: '7' }],
    ['pages/{page=1}', 'pages', { page: '1' }],
    ['numbers/{n:int}', 'numbers/-42', { n: '-42' }],
    ['numbers/{n:int:min(1)}', 'numbers/5', { n: '5' }],
    ['words/{w:alpha}', 'words/Hello', { w: 'Hello' }],
    ['ids/{id:guid}', 'ids/3f2504e0-4f89-11d3-9a0c-0305e82c3301', { id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }],
    ['flags/{f:bool}', 'flags/TRUE', { f: 'TRUE' }],
    ['codes/{c:length(3)}', 'codes/abc', { c: 'abc' }],
    ['codes/{c:regex(^[a-z]{{2}}\\d+$)}', 'codes/ab12', { c: 'ab12' }],
    ['files/{*path}', 'files/a/b%20c/d.txt', { path: 'a/b c/d.txt' }],
    ['files/{*path}', 'files', {}],
    ['docs/{name}.{ext}', 'docs/readme.md', { name: 'readme', ext: 'md' }],
    ['', '', {}],
  ])('%s matches %s', (template, path, expected) => {
    // Arrange
    const route = compileRoute(template);

    // Act
    const values = route.match(path);

    // Assert
    expect(values).toEqual(expected);
  });

  it.each([
    ['policies', 'policies/x'],
    ['policies/{id}', 'policies'],
    ['policies/{id}', 'policies/x/rotate'],
    ['policies/{id}/rotate', 'policies/x/rotatex'],
    ['numbers/{n:int}', 'numbers/4.5'],
    ['numbers/{n:int:min(1)}', 'numbers/0'],
    ['words/{w:alpha}', 'words/abc1'],
    ['ids/{id:guid}', 'ids/not-a-guid'],
    ['codes/{c:length(3)}', 'codes/abcd'],
    ['codes/{c:maxlength(2)}', 'codes/abc'],
    ['range/{r:range(1,3)}', 'range/4'],
    ['policies/{id}', 'policies/%E0%A4%A'],
  ])('%s does not match %s', (template, path) => {
    // Arrange
    const route = compileRoute(template);

    // Act
    const values = route.match(path);

    // Assert
    expect(values).toBeUndefined();
  });

  it.each([
    ['policies/{id?}/rotate', /must be the last segment/],
    ['policies/{id:unknown}', /unknown constraint 'unknown'/],
    ['policies/{id', /unclosed/],
    ['policies/{id}/{ID}', /appears twice/],
    ['policies/{1x}', /not a valid parameter/],
    ['numbers/{n:min(x)}', /whole number/],
  ])('refuses %s', (template, message) => {
    // Act
    const compile = (): unknown => compileRoute(template);

    // Assert
    expect(compile).toThrow(RouteTemplateError);
    expect(compile).toThrow(message);
  });

  it('ranks literal segments before parameters, and parameters before catch-alls', () => {
    // Arrange
    const routes = ['files/{*path}', 'items/{id}', 'items/{id:int}', 'items/export'].map(compileRoute);

    // Act
    const ordered = [...routes].sort(comparePrecedence).map((r) => r.template);

    // Assert
    expect(ordered).toEqual(['items/export', 'items/{id:int}', 'items/{id}', 'files/{*path}']);
  });
});
