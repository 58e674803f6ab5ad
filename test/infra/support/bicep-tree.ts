/**
 * A small query layer over tree-sitter-bicep syntax trees: declarations (resources, modules,
 * params, vars, outputs), object properties by path, literal values and the few expressions
 * the infra checks need to resolve. Syntax only: no types, no symbol tables beyond one file.
 */
import { createRequire } from 'node:module';
import type TreeSitter from 'tree-sitter';

export type SyntaxNode = TreeSitter.SyntaxNode;

const require = createRequire(import.meta.url);
// Both packages are CommonJS native addons.
const Parser = require('tree-sitter') as typeof TreeSitter;
const bicepLanguage = require('tree-sitter-bicep') as TreeSitter.Language;

export interface BicepFile {
  path: string;
  text: string;
  root: SyntaxNode;
}

export function parseBicep(path: string, text: string): BicepFile {
  const parser = new Parser();
  parser.setLanguage(bicepLanguage);
  // The node binding's default buffer is 32 KiB; a larger file would fail to parse without this.
  const tree = parser.parse(text, null, { bufferSize: Math.max(32 * 1024, text.length * 4) });
  return { path, text, root: tree.rootNode };
}

function where(node: SyntaxNode): string {
  return `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
}

/** ERROR and MISSING nodes, as readable lines. */
export function syntaxProblems(file: BicepFile): string[] {
  const problems: string[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.isMissing) problems.push(`${file.path}:${where(node)} missing '${node.type}'`);
    else if (node.type === 'ERROR') problems.push(`${file.path}:${where(node)} syntax error near '${node.text.slice(0, 40).replace(/\s+/g, ' ')}'`);
    for (const child of node.children) visit(child);
  };
  visit(file.root);
  return problems;
}

/** Named children without comments. */
export function kids(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((child) => child.type !== 'comment' && child.type !== 'diagnostic_comment');
}

function hasToken(node: SyntaxNode, token: string): boolean {
  return node.children.some((child) => !child.isNamed && child.type === token);
}

export interface Decorated {
  /** Decorator calls just above the declaration, by name (description, allowed, minValue...). */
  decorators: Map<string, SyntaxNode[]>;
}

function decoratorsOf(node: SyntaxNode): Map<string, SyntaxNode[]> {
  const found = new Map<string, SyntaxNode[]>();
  const previous = node.previousNamedSibling;
  if (previous?.type !== 'decorators') return found;
  for (const decorator of kids(previous)) {
    const call = kids(decorator)[0];
    if (call?.type !== 'call_expression') continue;
    const name = calleeName(call);
    if (name) found.set(name.replace(/^sys\./, ''), callArguments(call));
  }
  return found;
}

/** A declaration's value unwrapped from `[for ...: ...]` and `if (...) {...}`. */
interface Unwrapped {
  body: SyntaxNode | undefined;
  condition: SyntaxNode | undefined;
  loop: SyntaxNode | undefined;
}

function unwrap(value: SyntaxNode | undefined): Unwrapped {
  let loop: SyntaxNode | undefined;
  let condition: SyntaxNode | undefined;
  let node = value;
  if (node?.type === 'for_statement') {
    loop = node;
    node = node.childForFieldName('body') ?? undefined;
  }
  if (node?.type === 'if_statement') {
    const parts = kids(node);
    condition = parts.find((part) => part.type === 'parenthesized_expression');
    node = parts.find((part) => part.type === 'object');
  }
  return { body: node?.type === 'object' ? node : undefined, condition, loop };
}

export interface ResourceDecl extends Decorated, Unwrapped {
  symbol: string;
  /** Full type, with the parent's type prepended for nested child resources. */
  type: string;
  apiVersion: string;
  existing: boolean;
  parent: ResourceDecl | undefined;
  node: SyntaxNode;
}

function resourceFrom(node: SyntaxNode, parent: ResourceDecl | undefined): ResourceDecl {
  const parts = kids(node);
  const symbol = parts[0]?.text ?? '';
  const typeString = stringLiteral(parts[1]) ?? '';
  const [typeName = '', apiVersion = parent?.apiVersion ?? ''] = typeString.split('@');
  const type = parent && !typeName.includes('/') ? `${parent.type}/${typeName}` : typeName;
  const value = parts.slice(2).find((part) => ['object', 'if_statement', 'for_statement'].includes(part.type));
  return { symbol, type, apiVersion, existing: hasToken(node, 'existing'), parent, node, decorators: decoratorsOf(node), ...unwrap(value) };
}

/** Every resource declaration, nested ones included. */
export function resources(file: BicepFile): ResourceDecl[] {
  const found: ResourceDecl[] = [];
  const visit = (node: SyntaxNode, parent: ResourceDecl | undefined): void => {
    for (const child of kids(node)) {
      if (child.type === 'resource_declaration') {
        const resource = resourceFrom(child, parent);
        found.push(resource);
        if (resource.body) visit(resource.body, resource);
      } else if (child.type === 'object_property' && parent) {
        const nested = kids(child).find((part) => part.type === 'resource_declaration');
        if (nested) {
          const resource = resourceFrom(nested, parent);
          found.push(resource);
          if (resource.body) visit(resource.body, resource);
        }
      }
    }
  };
  visit(file.root, undefined);
  return found;
}

export function resourcesOfType(file: BicepFile, type: string): ResourceDecl[] {
  return resources(file).filter((resource) => resource.type.toLowerCase() === type.toLowerCase());
}

export interface ModuleDecl extends Decorated, Unwrapped {
  symbol: string;
  path: string;
  node: SyntaxNode;
}

export function modules(file: BicepFile): ModuleDecl[] {
  return kids(file.root)
    .filter((node) => node.type === 'module_declaration')
    .map((node) => {
      const parts = kids(node);
      const value = parts.slice(2).find((part) => ['object', 'if_statement', 'for_statement'].includes(part.type));
      return { symbol: parts[0]?.text ?? '', path: stringLiteral(parts[1]) ?? '', node, decorators: decoratorsOf(node), ...unwrap(value) };
    });
}

export interface ParamDecl extends Decorated {
  name: string;
  typeText: string;
  defaultValue: SyntaxNode | undefined;
}

export function params(file: BicepFile): ParamDecl[] {
  return kids(file.root)
    .filter((node) => node.type === 'parameter_declaration')
    .map((node) => {
      const parts = kids(node);
      return { name: parts[0]?.text ?? '', typeText: parts[1]?.text ?? '', defaultValue: parts[2], decorators: decoratorsOf(node) };
    });
}

export interface VarDecl {
  name: string;
  value: SyntaxNode | undefined;
}

export function variables(file: BicepFile): VarDecl[] {
  return kids(file.root)
    .filter((node) => node.type === 'variable_declaration')
    .map((node) => {
      const parts = kids(node);
      return { name: parts[0]?.text ?? '', value: parts[1] };
    });
}

export interface OutputDecl extends Decorated {
  name: string;
  typeText: string;
  value: SyntaxNode | undefined;
}

export function outputs(file: BicepFile): OutputDecl[] {
  return kids(file.root)
    .filter((node) => node.type === 'output_declaration')
    .map((node) => {
      const parts = kids(node);
      return { name: parts[0]?.text ?? '', typeText: parts[1]?.text ?? '', value: parts[2], decorators: decoratorsOf(node) };
    });
}

export function targetScope(file: BicepFile): string | undefined {
  const assignment = kids(file.root).find((node) => node.type === 'target_scope_assignment');
  return assignment ? stringLiteral(kids(assignment)[0]) : undefined;
}

/** The key of an object property (identifier or quoted), or undefined for a nested resource. */
export function propertyKey(property: SyntaxNode): string | undefined {
  const key = kids(property)[0];
  if (!key || key.type === 'resource_declaration') return undefined;
  return key.type === 'string' ? stringLiteral(key) : key.text;
}

export function propertyEntries(object: SyntaxNode | undefined): Array<[string, SyntaxNode]> {
  if (object?.type !== 'object') return [];
  const entries: Array<[string, SyntaxNode]> = [];
  for (const property of kids(object)) {
    if (property.type !== 'object_property') continue;
    const key = propertyKey(property);
    const value = kids(property)[1];
    if (key !== undefined && value) entries.push([key, value]);
  }
  return entries;
}

/** The value at a dotted path of object keys ('properties.siteConfig.ftpsState'). */
export function property(object: SyntaxNode | undefined, path: string): SyntaxNode | undefined {
  let node = object;
  for (const key of path.split('.')) {
    node = propertyEntries(node).find(([name]) => name === key)?.[1];
    if (!node) return undefined;
  }
  return node;
}

const ESCAPES: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };

/** A string node's value when it has no interpolation; otherwise undefined. */
export function stringLiteral(node: SyntaxNode | undefined | null): string | undefined {
  if (node?.type !== 'string') return undefined;
  let value = '';
  for (const part of kids(node)) {
    if (part.type === 'string_content') value += part.text;
    else if (part.type === 'escape_sequence') value += ESCAPES[part.text] ?? part.text;
    else return undefined;
  }
  return value;
}

export const NOT_LITERAL = Symbol('not a literal');
export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

/** The JavaScript value of a literal expression (strings without interpolation, numbers, arrays, objects...). */
export function literal(node: SyntaxNode | undefined): Literal | typeof NOT_LITERAL {
  if (!node) return NOT_LITERAL;
  switch (node.type) {
    case 'string':
      return stringLiteral(node) ?? NOT_LITERAL;
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    case 'array': {
      const items: Literal[] = [];
      for (const item of kids(node)) {
        const value = literal(item);
        if (value === NOT_LITERAL) return NOT_LITERAL;
        items.push(value);
      }
      return items;
    }
    case 'object': {
      const result: Record<string, Literal> = {};
      for (const [key, valueNode] of propertyEntries(node)) {
        const value = literal(valueNode);
        if (value === NOT_LITERAL) return NOT_LITERAL;
        result[key] = value;
      }
      return result;
    }
    default:
      return NOT_LITERAL;
  }
}

export function calleeName(call: SyntaxNode | undefined): string | undefined {
  if (call?.type !== 'call_expression') return undefined;
  return (call.childForFieldName('function') ?? kids(call)[0])?.text;
}

export function callArguments(call: SyntaxNode | undefined): SyntaxNode[] {
  if (call?.type !== 'call_expression') return [];
  const args = kids(call).find((part) => part.type === 'arguments');
  return args ? kids(args) : [];
}

/** Every call expression under a node (the node itself included), e.g. to find listKeys(). */
export function calls(node: SyntaxNode | undefined): SyntaxNode[] {
  return node ? node.descendantsOfType('call_expression') : [];
}

/**
 * A value as a literal, following one file's vars and param defaults: `'x'`, `roleId` (var or
 * param default) and `roles.blobOwner` (property of a var object) all resolve.
 */
export function resolveLiteral(file: BicepFile, node: SyntaxNode | undefined, depth = 0): Literal | typeof NOT_LITERAL {
  if (!node || depth > 8) return NOT_LITERAL;
  const direct = literal(node);
  if (direct !== NOT_LITERAL) return direct;
  if (node.type === 'parenthesized_expression') return resolveLiteral(file, kids(node)[0], depth + 1);
  if (node.type === 'identifier') {
    const variable = variables(file).find((v) => v.name === node.text);
    if (variable) return resolveLiteral(file, variable.value, depth + 1);
    const param = params(file).find((p) => p.name === node.text);
    if (param?.defaultValue) return resolveLiteral(file, param.defaultValue, depth + 1);
    return NOT_LITERAL;
  }
  if (node.type === 'member_expression') {
    const [objectNode, propertyNode] = kids(node);
    const container = resolveLiteral(file, objectNode, depth + 1);
    if (container && typeof container === 'object' && !Array.isArray(container) && propertyNode) {
      return container[propertyNode.text] ?? NOT_LITERAL;
    }
  }
  return NOT_LITERAL;
}

/** Identifiers referenced under a node (the node itself included). */
export function identifiersIn(node: SyntaxNode | undefined): string[] {
  if (!node) return [];
  const found = node.type === 'identifier' ? [node.text] : [];
  return [...found, ...node.descendantsOfType('identifier').map((id) => id.text)];
}

/** A param's default as a literal, or NOT_LITERAL when it has none. */
export function paramDefault(file: BicepFile, name: string): Literal | typeof NOT_LITERAL {
  const param = params(file).find((p) => p.name === name);
  return param?.defaultValue ? literal(param.defaultValue) : NOT_LITERAL;
}

export function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}
