/**
 * Reads the subset of YAML that azure.yaml uses: nested block mappings of scalars (plain,
 * 'single' or "double" quoted), comments and blank lines. Anything else (sequences, flow
 * collections, anchors, block scalars, tabs, multiple documents) is refused with the line
 * number, so a file this reader accepts is valid YAML with the meaning read here.
 */
export type YamlValue = string | boolean | null | YamlMap;
export interface YamlMap {
  [key: string]: YamlValue;
}

export class YamlSubsetError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlSubsetError';
  }
}

interface Line {
  number: number;
  indent: number;
  key: string;
  /** undefined when the value is a nested block (`key:` alone). */
  value: YamlValue | undefined;
}

const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\-/$]*$/;

function unquote(raw: string, line: number): { text: string; rest: string } {
  const quote = raw[0];
  if (quote === "'") {
    let text = '';
    let i = 1;
    for (;;) {
      if (i >= raw.length) throw new YamlSubsetError(line, 'unterminated single-quoted string');
      const ch = raw[i]!;
      if (ch === "'") {
        if (raw[i + 1] === "'") {
          text += "'";
          i += 2;
          continue;
        }
        return { text, rest: raw.slice(i + 1) };
      }
      text += ch;
      i += 1;
    }
  }
  let text = '';
  let i = 1;
  const escapes: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', '/': '/' };
  for (;;) {
    if (i >= raw.length) throw new YamlSubsetError(line, 'unterminated double-quoted string');
    const ch = raw[i]!;
    if (ch === '"') return { text, rest: raw.slice(i + 1) };
    if (ch === '\\') {
      const escaped = escapes[raw[i + 1] ?? ''];
      if (escaped === undefined) throw new YamlSubsetError(line, `unsupported escape \\${raw[i + 1] ?? ''}`);
      text += escaped;
      i += 2;
      continue;
    }
    text += ch;
    i += 1;
  }
}

function afterScalar(rest: string, line: number): void {
  if (rest.trim() !== '' && !/^\s+#/.test(rest)) throw new YamlSubsetError(line, `unexpected text after a quoted string: '${rest.trim()}'`);
}

function scalar(raw: string, line: number): YamlValue {
  if (raw.startsWith("'") || raw.startsWith('"')) {
    const { text, rest } = unquote(raw, line);
    afterScalar(rest, line);
    return text;
  }
  if (/^[[{&*!|>%@`]/.test(raw) || raw.startsWith('- ') || raw === '-') {
    throw new YamlSubsetError(line, `unsupported value '${raw}': only plain or quoted scalars and nested mappings are read`);
  }
  // A comment starts at ' #'; a '#' inside a plain scalar without a space before it is text.
  const text = raw.replace(/\s+#.*$/, '').trimEnd();
  if (/:\s/.test(text) || text.endsWith(':')) throw new YamlSubsetError(line, `a plain value may not contain ': ' ('${text}'); quote it`);
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === '' || text === '~' || text === 'null') return null;
  return text;
}

function tokenize(source: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((rawLine, index) => {
    const number = index + 1;
    if (/^\s*(#.*)?$/.test(rawLine)) return;
    if (rawLine.includes('\t') && /^[ \t]*\t/.test(rawLine)) throw new YamlSubsetError(number, 'tabs are not allowed for indentation');
    if (/^(---|\.\.\.)(\s|$)/.test(rawLine)) throw new YamlSubsetError(number, 'document markers are not supported');
    const indent = rawLine.length - rawLine.trimStart().length;
    const content = rawLine.trim();
    if (content.startsWith('- ') || content === '-') throw new YamlSubsetError(number, 'sequences are not supported');
    let key: string;
    let rest: string;
    if (content.startsWith("'") || content.startsWith('"')) {
      const quoted = unquote(content, number);
      key = quoted.text;
      if (!quoted.rest.startsWith(':')) throw new YamlSubsetError(number, 'expected ":" after a quoted key');
      rest = quoted.rest.slice(1);
    } else {
      const colon = content.search(/:(\s|$)/);
      if (colon < 0) throw new YamlSubsetError(number, `expected 'key: value', got '${content}'`);
      key = content.slice(0, colon);
      if (!PLAIN_KEY.test(key)) throw new YamlSubsetError(number, `unsupported key '${key}'`);
      rest = content.slice(colon + 1);
    }
    const valueText = rest.trim();
    const value = valueText === '' || valueText.startsWith('#') ? undefined : scalar(valueText, number);
    lines.push({ number, indent, key, value });
  });
  return lines;
}

export function parseYamlSubset(source: string): YamlMap {
  const lines = tokenize(source);
  let position = 0;

  const block = (indent: number): YamlMap => {
    const map: YamlMap = {};
    while (position < lines.length) {
      const line = lines[position]!;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new YamlSubsetError(line.number, `unexpected indentation (${line.indent} spaces, expected ${indent})`);
      if (Object.hasOwn(map, line.key)) throw new YamlSubsetError(line.number, `duplicate key '${line.key}'`);
      position += 1;
      if (line.value !== undefined) {
        map[line.key] = line.value;
        continue;
      }
      const next = lines[position];
      if (next && next.indent > indent) map[line.key] = block(next.indent);
      else map[line.key] = null;
    }
    return map;
  };

  const first = lines[0];
  if (first && first.indent !== 0) throw new YamlSubsetError(first.number, 'the top-level mapping must start at column 1');
  return block(0);
}

/** The value at a dotted path, or undefined. */
export function yamlAt(map: YamlMap, path: string): YamlValue | undefined {
  let node: YamlValue | undefined = map;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}
