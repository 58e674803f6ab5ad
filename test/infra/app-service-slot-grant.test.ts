/**
 * An app-service consumer may list a deployment slot; infra grants Website Contributor per listed
 * id through modules/app-service-access.bicep. A slot is a child of its site, so the grant must land
 * on the site: main.bicep's siteName and scope, evaluated here as Bicep would for the id's '/'
 * segments, name the slot's site and its resource group, as they do for a site's own id.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modules, parseBicep, property, syntaxProblems } from './support/bicep-tree.js';

const main = parseBicep('infra/main.bicep', readFileSync('infra/main.bicep', 'utf8'));
const module = modules(main).find((m) => m.path === 'modules/app-service-access.bicep');
const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const site = `/subscriptions/${SUB}/resourceGroups/rg-orders/providers/Microsoft.Web/sites/app-orders`;

/** `split(<loop variable>, '/')[n]`, the only form main.bicep uses, evaluated on an id; anything else is undefined. */
function evaluate(expression: string | undefined, id: string): string | undefined {
  const m = /^split\(\w+, '\/'\)\[(\d+)\]$/.exec(expression?.trim() ?? '');
  return m ? id.split('/')[Number(m[1])] : undefined;
}

describe('app-service access for a listed deployment slot', () => {
  it('main.bicep and the module parse', () => {
    expect(syntaxProblems(main)).toEqual([]);
    expect(syntaxProblems(parseBicep('infra/modules/app-service-access.bicep', readFileSync('infra/modules/app-service-access.bicep', 'utf8')))).toEqual([]);
  });

  it.each([
    ['a site', site],
    ['a slot of it', `${site}/slots/staging`],
  ])('%s is granted on the site app-orders in its own resource group', (_what, id) => {
    // Act
    const siteName = evaluate(property(module!.body, 'params.siteName')?.text, id);
    const scope = property(module!.body, 'scope')?.text ?? '';
    const scopeArgs = scope.startsWith('resourceGroup(') ? scope.match(/split\(\w+, '\/'\)\[\d+\]/g) : null;

    // Assert
    expect(siteName).toBe('app-orders');
    expect(scopeArgs).not.toBeNull();
    expect(scopeArgs!.map((arg) => evaluate(arg, id))).toEqual([SUB, 'rg-orders']);
  });

  it('a slot\'s own name is not what the module is given (the refusal twin: index 10 would name the slot)', () => {
    expect(evaluate("split(siteId, '/')[10]", `${site}/slots/staging`)).toBe('staging');
    expect(evaluate(property(module!.body, 'params.siteName')?.text, `${site}/slots/staging`)).not.toBe('staging');
  });
});
