/**
 * The part of Jinja2 that Secretfiles use inside `{{ }}`: `var.a.b`, `var['a']`, `var.list.0`,
 * quoted text, numbers, true/false/none, and `or`. SecretZero renders with full Jinja2, so
 * anything beyond this subset is refused with its position rather than guessed at.
 */

/** Jinja's Undefined: renders as '' under SecretZero's SilentUndefined, and is falsy. */
export const UNDEFINED: unique symbol = Symbol('undefined');
export type TemplateValue = unknown;

export type Evaluation =
  | { ok: true; value: TemplateValue }
  /** Jinja raises here (an attribute of an undefined value); SecretZero then keeps the whole string as written. */
  | { ok: false; kind: 'jinja-error'; message: string }
  /** Outside the subset: kvrot cannot tell what SecretZero would render. */
  | { ok: false; kind: 'unsupported'; message: string };

type Token =
  | { type: 'name'; text: string }
  | { type: 'string'; text: string }
  | { type: 'number'; value: number }
  | { type: 'punct'; text: '.' | '[' | ']' };

const SUBSET = "kvrot evaluates var.name, var.a.b, var['name'], 'text', numbers and `or` inside {{ }}";

function tokenize(expression: string): Token[] | string {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expression.length) {
    const char = expression[index]!;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '.' || char === '[' || char === ']') {
      tokens.push({ type: 'punct', text: char });
      index += 1;
    } else if (char === "'" || char === '"') {
      let text = '';
      let end = index + 1;
      while (end < expression.length && expression[end] !== char) {
        if (expression[end] === '\\' && end + 1 < expression.length) end += 1;
        text += expression[end];
        end += 1;
      }
      if (end >= expression.length) return 'a quoted text is not closed';
      tokens.push({ type: 'string', text });
      index = end + 1;
    } else if (/[0-9]/.test(char)) {
      const digits = /^[0-9]+/.exec(expression.slice(index))![0];
      tokens.push({ type: 'number', value: Number(digits) });
      index += digits.length;
    } else if (/[A-Za-z_]/.test(char)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(index))![0];
      tokens.push({ type: 'name', text: name });
      index += name.length;
    } else {
      return `a character here is outside what ${SUBSET}`;
    }
  }
  return tokens;
}

function isTruthy(value: TemplateValue): boolean {
  if (value === UNDEFINED || value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && !(value instanceof Date)) return Object.keys(value).length > 0;
  return true;
}

function member(container: TemplateValue, key: string | number): TemplateValue {
  if (Array.isArray(container)) {
    const index = typeof key === 'number' ? key : /^[0-9]+$/.test(key) ? Number(key) : Number.NaN;
    return Number.isInteger(index) && index < container.length ? container[index] : UNDEFINED;
  }
  if (container !== null && typeof container === 'object' && !(container instanceof Date) && Object.hasOwn(container, String(key))) {
    return (container as Record<string, unknown>)[String(key)];
  }
  return UNDEFINED;
}

/** Evaluates one `{{ }}` expression against `var`. */
export function evaluate(expression: string, variables: Record<string, unknown>): Evaluation {
  const tokens = tokenize(expression);
  if (typeof tokens === 'string') return { ok: false, kind: 'unsupported', message: tokens };
  let position = 0;
  const unsupported = (message: string): Evaluation => ({ ok: false, kind: 'unsupported', message });

  const operand = (): Evaluation => {
    const token = tokens[position];
    if (!token) return unsupported(`an expression is missing: ${SUBSET}`);
    position += 1;
    if (token.type === 'string') return { ok: true, value: token.text };
    if (token.type === 'number') return { ok: true, value: token.value };
    if (token.type !== 'name') return unsupported(`an expression cannot start with '${token.text}': ${SUBSET}`);
    switch (token.text) {
      case 'true':
      case 'True':
        return { ok: true, value: true };
      case 'false':
      case 'False':
        return { ok: true, value: false };
      case 'none':
      case 'None':
        return { ok: true, value: null };
      case 'var':
        break;
      default:
        return unsupported(`a name other than var, true, false or none: ${SUBSET}`);
    }
    let value: TemplateValue = variables;
    for (;;) {
      const next = tokens[position];
      if (next?.type !== 'punct' || next.text === ']') break;
      let key: string | number;
      if (next.text === '.') {
        const name = tokens[position + 1];
        if (name?.type === 'name') key = name.text;
        else if (name?.type === 'number') key = name.value;
        else return unsupported(`a name must follow '.': ${SUBSET}`);
        position += 2;
      } else {
        const inner = tokens[position + 1];
        if (!(inner?.type === 'string' || inner?.type === 'number') || tokens[position + 2]?.type !== 'punct' || (tokens[position + 2] as { text: string }).text !== ']') {
          return unsupported(`only var['name'] or var[0] may stand in brackets: ${SUBSET}`);
        }
        key = inner.type === 'string' ? inner.text : inner.value;
        position += 3;
      }
      // Jinja's Undefined (SilentUndefined only changes str and bool) raises on any attribute.
      if (value === UNDEFINED) return { ok: false, kind: 'jinja-error', message: 'an attribute of an undefined value' };
      value = member(value, key);
    }
    return { ok: true, value };
  };

  let result = operand();
  while (result.ok && position < tokens.length) {
    const token = tokens[position]!;
    if (token.type !== 'name' || token.text !== 'or') return unsupported(`only 'or' may join two expressions: ${SUBSET}`);
    position += 1;
    const right = operand();
    if (!right.ok) return right;
    result = isTruthy(result.value) ? result : right;
  }
  return result;
}

/**
 * A value as Python's str() prints it, which is how SecretZero puts it into text:
 * True, False, None; undefined as ''. Lists and maps print as Python source, which no
 * Secretfile means to put into a name: those are refused (undefined is returned here).
 */
export function pythonText(value: TemplateValue): string | undefined {
  if (value === UNDEFINED) return '';
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) || !Number.isFinite(value) ? pythonNumber(value) : String(value);
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return undefined;
}

function pythonNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (Number.isNaN(value)) return 'nan';
  return String(value);
}
