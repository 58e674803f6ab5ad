/**
 * HTTP trigger route templates, matched the way the Functions host (ASP.NET
 * Core routing) matches them: literal segments are case-insensitive;
 * `{name}` takes one segment; `{name?}` and `{name=default}` may be left out at
 * the end; `{*name}` takes the rest of the path; constraints such as
 * `{id:int}`, `{id:alpha}`, `{id:guid}`, `{id:minlength(3)}`,
 * `{id:regex(^a.+$)}` can be chained (`{id:int:min(1)}`). A segment may mix
 * literals and parameters (`{name}.{ext}`). Literal segments take precedence
 * over parameters, so `policies/export` beats `policies/{id}`.
 */

export class RouteTemplateError extends Error {
  constructor(
    readonly template: string,
    message: string,
  ) {
    super(`invalid route template '${template}': ${message}`);
    this.name = 'RouteTemplateError';
  }
}

type Constraint = (value: string) => boolean;

interface Parameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
}

export interface CompiledRoute {
  readonly template: string;
  /** Lower sorts first: one rank per segment (literal 1, constrained 2, plain 3, optional 4, catch-all 5). */
  readonly precedence: readonly number[];
  /** Route values for a path (no leading slash, not yet decoded), or undefined if it does not match. */
  match(path: string): Record<string, string> | undefined;
}

const isNumber = (v: string): boolean => v.trim() !== '' && Number.isFinite(Number(v));
const isInteger = (v: string): boolean => /^-?\d+$/.test(v);

function argumentsOf(template: string, name: string, args: string | undefined, count: number): number[] {
  const values = (args ?? '').split(',').map((a) => a.trim());
  if (values.length !== count || values.some((a) => !isInteger(a))) {
    throw new RouteTemplateError(template, `constraint '${name}' takes ${count} whole number argument(s)`);
  }
  return values.map(Number);
}

function constraintFor(template: string, spec: string): Constraint {
  const match = /^([a-zA-Z]+)(?:\((.*)\))?$/s.exec(spec);
  if (!match) throw new RouteTemplateError(template, `cannot read constraint '${spec}'`);
  const name = (match[1] ?? '').toLowerCase();
  const args = match[2];
  switch (name) {
    case 'int':
    case 'long':
      return isInteger;
    case 'double':
    case 'float':
    case 'decimal':
      return isNumber;
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v);
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'required':
      return (v) => v !== '';
    case 'minlength': {
      const [min = 0] = argumentsOf(template, name, args, 1);
      return (v) => v.length >= min;
    }
    case 'maxlength': {
      const [max = 0] = argumentsOf(template, name, args, 1);
      return (v) => v.length <= max;
    }
    case 'length': {
      const bounds = (args ?? '').includes(',') ? argumentsOf(template, name, args, 2) : argumentsOf(template, name, args, 1);
      const [min = 0, max = min] = bounds;
      return (v) => v.length >= min && v.length <= max;
    }
    case 'min': {
      const [min = 0] = argumentsOf(template, name, args, 1);
      return (v) => isInteger(v) && Number(v) >= min;
    }
    case 'max': {
      const [max = 0] = argumentsOf(template, name, args, 1);
      return (v) => isInteger(v) && Number(v) <= max;
    }
    case 'range': {
      const [min = 0, max = 0] = argumentsOf(template, name, args, 2);
      return (v) => isInteger(v) && Number(v) >= min && Number(v) <= max;
    }
    case 'regex': {
      let pattern: RegExp;
      try {
        // Templates escape braces by doubling them, even inside a regex.
        pattern = new RegExp((args ?? '').replace(/\{\{/g, '{').replace(/\}\}/g, '}'), 'i');
      } catch {
        throw new RouteTemplateError(template, `regex constraint '${args ?? ''}' is not a valid regular expression`);
      }
      return (v) => pattern.test(v);
    }
    default:
      throw new RouteTemplateError(template, `unknown constraint '${name}'`);
  }
}

/** Splits `id:int:regex(a:b)` on the colons outside parentheses. */
function splitConstraints(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function parseParameter(template: string, body: string): Parameter {
  const [head = '', ...constraintSpecs] = splitConstraints(body);
  let name = head;
  let defaultValue: string | undefined;
  const catchAll = name.startsWith('*');
  name = name.replace(/^\*{1,2}/, '');
  const equals = name.indexOf('=');
  if (equals >= 0) {
    defaultValue = name.slice(equals + 1);
    name = name.slice(0, equals);
  }
  let optional = false;
  if (name.endsWith('?')) {
    optional = true;
    name = name.slice(0, -1);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RouteTemplateError(template, `'${body}' is not a valid parameter`);
  return { name, optional, catchAll, ...(defaultValue !== undefined ? { defaultValue } : {}), constraints: constraintSpecs.map((s) => constraintFor(template, s)) };
}

/** Literal text and parameters of one segment, e.g. `{name}.{ext}`. */
function parseSegment(template: string, segment: string): (string | Parameter)[] {
  const parts: (string | Parameter)[] = [];
  let i = 0;
  while (i < segment.length) {
    if (segment[i] === '{') {
      let depth = 0;
      let end = i + 1;
      for (; end < segment.length; end++) {
        const ch = segment[end];
        if (ch === '(') depth++;
        else if (ch === ')') depth--;
        else if (ch === '}' && depth === 0) break;
      }
      if (end >= segment.length) throw new RouteTemplateError(template, `unclosed '{' in '${segment}'`);
      parts.push(parseParameter(template, segment.slice(i + 1, end)));
      i = end + 1;
    } else {
      const next = segment.indexOf('{', i);
      const literal = segment.slice(i, next < 0 ? undefined : next);
      if (literal.includes('}')) throw new RouteTemplateError(template, `unexpected '}' in '${segment}'`);
      parts.push(literal);
      i = next < 0 ? segment.length : next;
    }
  }
  return parts;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRoute(template: string): CompiledRoute {
  const segments = template.replace(/^\/+|\/+$/g, '').split('/').filter((s, i, all) => s !== '' || all.length === 1);
  const parameters: Parameter[] = [];
  const precedence: number[] = [];
  let pattern = '^';
  segments.forEach((segment, index) => {
    const separator = index === 0 ? '' : '/';
    const parts = segment === '' ? [] : parseSegment(template, segment);
    const isLast = index === segments.length - 1;
    const lone = parts.length === 1 && typeof parts[0] !== 'string' ? parts[0] : undefined;
    if (lone && (lone.optional || lone.catchAll || lone.defaultValue !== undefined)) {
      if (!isLast) throw new RouteTemplateError(template, `'{${lone.name}}' may be left out, so it must be the last segment`);
      parameters.push(lone);
      pattern += `(?:${separator}(${lone.catchAll ? '.*' : '[^/]+'}))?`;
      precedence.push(lone.catchAll ? 5 : 4);
      return;
    }
    let segmentPattern = '';
    let rank = 1;
    for (const part of parts) {
      if (typeof part === 'string') {
        segmentPattern += escapeRegExp(part);
        continue;
      }
      if (part.optional || part.catchAll) throw new RouteTemplateError(template, `'{${part.name}}' cannot be optional or catch-all inside a segment with other text`);
      parameters.push(part);
      segmentPattern += lone ? '([^/]+)' : '([^/]+?)';
      rank = Math.max(rank, lone && part.constraints.length === 0 ? 3 : 2);
    }
    pattern += separator + segmentPattern;
    precedence.push(rank);
  });
  const names = parameters.map((p) => p.name.toLowerCase());
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new RouteTemplateError(template, `parameter '${duplicate}' appears twice`);
  const regex = new RegExp(`${pattern}/?$`, 'i');

  return {
    template,
    precedence,
    match(path) {
      const found = regex.exec(path);
      if (!found) return undefined;
      const values: Record<string, string> = {};
      for (const [i, parameter] of parameters.entries()) {
        const raw = found[i + 1];
        if (raw === undefined || raw === '') {
          if (parameter.defaultValue !== undefined) values[parameter.name] = parameter.defaultValue;
          continue;
        }
        let value: string;
        try {
          value = parameter.catchAll ? raw.split('/').map(decodeURIComponent).join('/') : decodeURIComponent(raw);
        } catch {
          return undefined;
        }
        if (!parameter.constraints.every((accepts) => accepts(value))) return undefined;
        values[parameter.name] = value;
      }
      return values;
    },
  };
}

export function comparePrecedence(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const diff = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
