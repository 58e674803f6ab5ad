/**
 * Variable interpolation as SecretZero applies it to every string value of the file (keys
 * are left alone): first `${NAME}` and `${NAME:-default}`, then, in a string that then
 * holds `{{`, the Jinja2 expressions `{{var.x}}`, `{{var.a.b}}`, `{{var.x or 'd'}}`.
 * One pass: a variable whose value holds a reference is not expanded again. Both read the
 * merged variables only: SecretZero's docs say `${NAME}` reads environment variables, but its
 * code does not, and a file must mean the same in both tools whatever the shell holds.
 */
import type { Path } from './paths.js';
import { evaluate, pythonText } from './template-expression.js';

export type Variables = Record<string, unknown>;

export interface InterpolationContext {
  /** The Secretfile's `variables`, merged with its var files. */
  variables: Variables;
}

export interface InterpolationNote {
  path: Path;
  /** `unresolved`: left as written; `problem`: the string cannot be read as SecretZero would render it. */
  kind: 'unresolved' | 'problem' | 'kept';
  message: string;
}

const SHELL_REFERENCE = /\$\{([^}]+)\}/g;

/** Strings under agent_instructions are SecretZero's per-secret templates, rendered later with other names in scope. */
const NOT_INTERPOLATED = 'agent_instructions';

/** Defines a property even when its name is __proto__, which plain assignment would turn into a prototype change. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function interpolateTree(data: unknown, context: InterpolationContext): { data: unknown; notes: InterpolationNote[] } {
  const notes: InterpolationNote[] = [];
  const walk = (value: unknown, path: Path): unknown => {
    if (typeof value === 'string') return interpolateString(value, path, context, notes);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (isPlainMap(value)) {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        setOwn(copy, key, key === NOT_INTERPOLATED ? value[key] : walk(value[key], [...path, key]));
      }
      return copy;
    }
    return value;
  };
  return { data: walk(data, []), notes };
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

export function interpolateString(text: string, path: Path, context: InterpolationContext, notes: InterpolationNote[]): string {
  let problem = false;
  const replaced = text.replace(SHELL_REFERENCE, (reference, inner: string) => {
    const split = inner.indexOf(':-');
    const name = split === -1 ? inner : inner.slice(0, split);
    let value: unknown;
    if (Object.hasOwn(context.variables, name)) value = context.variables[name];
    else if (split !== -1) value = inner.slice(split + 2);
    else {
      notes.push({ path, kind: 'unresolved', message: `${shown(name)} is not a variable (in variables or a var file; environment variables are not read, as in SecretZero) and has no :-default: it is left as written, as SecretZero leaves it` });
      return reference;
    }
    const rendered = pythonText(value);
    if (rendered === undefined) {
      problem = true;
      notes.push({ path, kind: 'problem', message: `${shown(name)} names a ${Array.isArray(value) ? 'list' : 'map'}; only text, numbers and booleans can be put into a string` });
      return reference;
    }
    return rendered;
  });
  if (problem || !replaced.includes('{{')) return replaced;
  return renderTemplate(replaced, path, context.variables, notes) ?? text;
}

/** The reference by name only: a :-default may be a value. */
function shown(name: string): string {
  return `\${${name.length > 64 ? `${name.slice(0, 64)}…` : name}}`;
}

/** Renders each `{{ }}`; undefined keeps the text (SecretZero falls back on the string as written when Jinja fails). */
function renderTemplate(text: string, path: Path, variables: Variables, notes: InterpolationNote[]): string | undefined {
  if (/\{%|\{#/.test(text)) {
    notes.push({ path, kind: 'problem', message: `holds a Jinja2 statement or comment ({% %} or {# #}): kvrot evaluates only {{ }} expressions` });
    return undefined;
  }
  let output = '';
  let index = 0;
  while (index < text.length) {
    const open = text.indexOf('{{', index);
    if (open === -1) {
      output += text.slice(index);
      break;
    }
    const close = closingBraces(text, open + 2);
    if (close === -1) {
      notes.push({ path, kind: 'kept', message: 'a {{ is never closed: Jinja2 refuses the template, so SecretZero keeps the text as written, and so does kvrot' });
      return undefined;
    }
    let before = text.slice(index, open);
    let inner = text.slice(open + 2, close);
    let after = close + 2;
    // Jinja's whitespace control: {{- trims before, -}} trims after.
    if (inner.startsWith('-')) {
      inner = inner.slice(1);
      before = before.replace(/\s+$/, '');
    }
    if (inner.endsWith('-')) {
      inner = inner.slice(0, -1);
      while (after < text.length && /\s/.test(text[after]!)) after += 1;
    }
    if (inner.trim() === '') {
      notes.push({ path, kind: 'kept', message: 'an empty {{ }}: Jinja2 refuses the template, so SecretZero keeps the text as written, and so does kvrot' });
      return undefined;
    }
    const result = evaluate(inner, variables);
    if (!result.ok) {
      notes.push(
        result.kind === 'jinja-error'
          ? { path, kind: 'kept', message: `{{ }}: ${result.message}; Jinja2 raises there, so SecretZero keeps the text as written, and so does kvrot` }
          : { path, kind: 'problem', message: `{{ }}: ${result.message}` },
      );
      return undefined;
    }
    const rendered = pythonText(result.value);
    if (rendered === undefined) {
      notes.push({ path, kind: 'problem', message: `{{ }} gives a ${Array.isArray(result.value) ? 'list' : 'map'}; only text, numbers and booleans can be put into a string` });
      return undefined;
    }
    output += before + rendered;
    index = after;
  }
  return output;
}

/** The `}}` that ends an expression starting at `from`, skipping quoted text. */
function closingBraces(text: string, from: number): number {
  let quote: string | undefined;
  for (let index = from; index < text.length - 1; index += 1) {
    const char = text[index]!;
    if (quote) {
      if (char === '\\') index += 1;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '}' && text[index + 1] === '}') {
      return index;
    }
  }
  return -1;
}

/** Later maps win; nested maps merge key by key, as SecretZero's merge_variables does. */
export function mergeVariables(base: Variables, override: Variables): Variables {
  const result: Variables = {};
  for (const key of Object.keys(base)) setOwn(result, key, base[key]);
  for (const key of Object.keys(override)) {
    const current = Object.hasOwn(result, key) ? result[key] : undefined;
    const next = override[key];
    setOwn(result, key, isPlainMap(current) && isPlainMap(next) ? mergeVariables(current, next) : next);
  }
  return result;
}
