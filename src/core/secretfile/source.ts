/**
 * YAML text to data, the way SecretZero's PyYAML `safe_load` reads it, with the limits a
 * file from a pull request needs: a size cap, duplicate keys refused, alias expansion
 * bounded (a billion laughs), and a source position for any path into the result.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type Tags } from 'yaml';
import { problemAt, type SecretfileProblem, type SourceLocation } from './problems.js';
import type { Path } from './paths.js';

/** A file as text, under the name errors give it. */
export interface SourceFile {
  name: string;
  text: string;
}

/** Far above any real Secretfile (SecretZero's examples are a few kilobytes); refused before parsing. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

/**
 * yaml's own budget for alias expansion (its default, stated here so the limit is ours):
 * each alias's expansion is counted against the document's size, so a few anchors reused
 * a few times pass, and nine aliases of nine aliases of nine are refused, not expanded.
 */
export const MAX_ALIAS_COUNT = 100;

const BOOL = 'tag:yaml.org,2002:bool';

/**
 * YAML 1.1 as PyYAML resolves it: yes/no/on/off are booleans, but y and n are text
 * (yaml's 1.1 schema would make `n: 1` a key named false).
 */
const pythonBooleans = (tags: Tags): Tags => [
  ...tags.filter((tag) => typeof tag === 'string' || tag.tag !== BOOL),
  { tag: BOOL, default: true, identify: (value: unknown) => value === true, test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, resolve: () => true },
  { tag: BOOL, default: true, identify: (value: unknown) => value === false, test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, resolve: () => false },
];

export interface ParsedSource {
  file: SourceFile;
  /** The document as plain data: maps are objects (own properties only), sequences arrays. */
  data: unknown;
  /** Where a path into `data` was written. */
  locate(path: Path, at?: 'value' | 'key'): SourceLocation;
}

export type ParseOutcome = { ok: true; source: ParsedSource } | { ok: false; problems: SecretfileProblem[] };

export function parseSource(file: SourceFile): ParseOutcome {
  const size = Buffer.byteLength(file.text, 'utf8');
  if (size > MAX_SOURCE_BYTES) {
    return refused(file, `the file has ${size} bytes, more than the ${MAX_SOURCE_BYTES} (1 MiB) a Secretfile may have: it is refused unread`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(file.text, {
    version: '1.1',
    customTags: pythonBooleans,
    uniqueKeys: true,
    prettyErrors: false,
    // 'error': yaml reports a second document as an error at this level (not under 'silent'), and prints no warnings.
    logLevel: 'error',
    lineCounter: lines,
  });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    return { file: file.name, line, column: col };
  };
  // PyYAML refuses what yaml only warns about (an unknown tag), so warnings are problems too.
  const problems = [...doc.errors, ...doc.warnings].sort((a, b) => a.pos[0] - b.pos[0]).map((issue) => problemAt(at(issue.pos[0]), [], yamlMessage(issue.code)));
  if (problems.length > 0) return { ok: false, problems: firstOfYamlProblems(problems) };
  const keys = collectionKeys(doc, at);
  if (keys.length > 0) return { ok: false, problems: keys };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return { ok: false, problems: [problemAt(at(firstAliasOffset(doc)), [], dataMessage(error))] };
  }
  return {
    ok: true,
    source: {
      file,
      data,
      locate: (path, where = 'value') => at(offsetOf(doc, path, where)),
    },
  };
}

/** What yaml throws while turning the document into data, as fixed messages (yaml's may name an anchor). */
function dataMessage(error: Error): string {
  if (/Excessive alias count/.test(error.message)) {
    return `aliases here expand to more than ${MAX_ALIAS_COUNT} times the document's own size (a "billion laughs"): the file is refused rather than expanded`;
  }
  if (/^Unresolved alias/.test(error.message)) return 'an alias (*name) refers to no anchor (&name) written before it';
  if (/^Merge sources/.test(error.message)) return 'a merge key (<<) must refer to a map, or a list of maps';
  if (error instanceof RangeError) return `the file nests too deeply to read`;
  return 'the document cannot be read as data';
}

function refused(file: SourceFile, message: string): ParseOutcome {
  return { ok: false, problems: [problemAt({ file: file.name, line: 1, column: 1 }, [], message)] };
}

/**
 * yaml's own messages may quote the source ("Unexpected scalar token in YAML stream: ..."),
 * and the source may be a static secret: each is replaced by a fixed description of its code.
 */
const YAML_PROBLEMS: Record<string, string> = {
  ALIAS_PROPS: 'an alias cannot carry an anchor or a tag',
  BAD_ALIAS: 'an alias (*name) is malformed',
  BAD_COLLECTION_TYPE: 'a tag does not fit the collection it is on',
  BAD_DIRECTIVE: 'a directive (a line starting with %) is malformed',
  BAD_DQ_ESCAPE: 'a double-quoted text has an invalid escape sequence',
  BAD_INDENT: 'the indentation is wrong here',
  BAD_PROP_ORDER: 'an anchor or a tag is in the wrong place',
  BAD_SCALAR_START: 'a plain value starts with a character YAML reserves: quote the value',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection cannot be a key',
  BLOCK_IN_FLOW: 'a block collection cannot sit inside [...] or {...}',
  DUPLICATE_KEY: 'this key is written twice in the same map: PyYAML keeps the last silently, so one of the two is refused rather than dropped',
  KEY_OVER_1024_CHARS: 'an implicit key is longer than 1024 characters',
  MISSING_CHAR: 'a character is missing here: a closing quote or bracket, a comma, or a space after a colon',
  MULTILINE_IMPLICIT_KEY: 'an implicit key spans several lines',
  MULTIPLE_ANCHORS: 'a node has two anchors',
  MULTIPLE_DOCS: 'a Secretfile is one YAML document; this file has several (separated by ---)',
  MULTIPLE_TAGS: 'a node has two tags',
  RESOURCE_EXHAUSTION: 'the file nests too deeply to read',
  TAB_AS_INDENT: 'a tab is used as indentation; YAML allows only spaces',
  TAG_RESOLVE_FAILED: "a tag here is not one PyYAML's safe_load knows, and it refuses such a file",
  UNEXPECTED_TOKEN: 'something unexpected stands here (a value starting with { or [ is a YAML map or list: quote a value that holds {{ }})',
};

function yamlMessage(code: string): string {
  const known = YAML_PROBLEMS[code];
  if (code === 'DUPLICATE_KEY' || code === 'MULTIPLE_DOCS' || code === 'TAG_RESOLVE_FAILED') return known!;
  return `not valid YAML: ${known ?? 'the text cannot be read as YAML here'}`;
}

/** After the first syntax error a parser sees many that follow from it: the first is named, the rest counted. */
function firstOfYamlProblems(problems: SecretfileProblem[]): SecretfileProblem[] {
  if (problems.length <= 1) return problems;
  const [first] = problems;
  return [{ ...first!, message: `${first!.message} (and ${problems.length - 1} more YAML ${problems.length === 2 ? 'problem' : 'problems'} after it, most following from this one)` }];
}

/** A list or map as a key has no counterpart in JSON (PyYAML refuses it as unhashable). */
function collectionKeys(doc: Document, at: (offset: number) => SourceLocation): SecretfileProblem[] {
  const problems: SecretfileProblem[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (depth > 200 || !isCollection(node)) return;
    for (const item of node.items) {
      if (isPair(item)) {
        if (isCollection(item.key)) problems.push(problemAt(at(item.key.range?.[0] ?? 0), [], 'a key must be text, a number or a boolean, not a list or a map'));
        visit(item.value, depth + 1);
      } else {
        visit(item, depth + 1);
      }
    }
  };
  visit(doc.contents, 0);
  return problems;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  const visit = (node: unknown, depth: number): boolean => {
    if (depth > 200) return false;
    if (isAlias(node)) {
      offset = node.range?.[0] ?? 0;
      return true;
    }
    if (isPair(node)) return visit(node.key, depth + 1) || visit(node.value, depth + 1);
    if (isCollection(node)) return node.items.some((item) => visit(item, depth + 1));
    return false;
  };
  visit(doc.contents, 0);
  return offset;
}

function isMergeKey(pair: Pair): boolean {
  return isScalar(pair.key) && (pair.key.value === '<<' || pair.key.source === '<<');
}

function keyText(pair: Pair): string | undefined {
  if (isScalar(pair.key)) return String(pair.key.value);
  return undefined;
}

/** The pair holding `key` in a map node, following `<<` merges the way toJS applies them (own keys first). */
function findPair(doc: Document, map: unknown, key: string, depth = 0): Pair | undefined {
  const node = resolve(doc, map);
  if (!isMap(node) || depth > 50) return undefined;
  const own = node.items.find((pair) => !isMergeKey(pair) && keyText(pair) === key);
  if (own) return own;
  for (const pair of node.items.filter(isMergeKey)) {
    const sources = resolve(doc, pair.value);
    const candidates = isSeq(sources) ? sources.items : [sources];
    for (const candidate of candidates) {
      const found = findPair(doc, candidate, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function resolve(doc: Document, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 50; hops += 1) current = current.resolve(doc);
  return current;
}

/**
 * The offset of the deepest node on `path` that exists in the source: the value itself,
 * its key when asked for, or, for a path that goes past what was written, its nearest parent.
 */
function offsetOf(doc: Document, path: Path, where: 'value' | 'key'): number {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const [index, segment] of path.entries()) {
    const container = resolve(doc, node);
    let next: unknown;
    let keyOffset: number | undefined;
    if (isSeq(container) && typeof segment === 'number') {
      next = container.items[segment];
    } else if (isMap(container)) {
      const pair = findPair(doc, container, String(segment));
      next = pair?.value;
      keyOffset = (pair?.key as Node | undefined)?.range?.[0];
    }
    if (next === undefined) return offset;
    const last = index === path.length - 1;
    const valueOffset = (next as Node | null)?.range?.[0];
    offset = last && where === 'key' && keyOffset !== undefined ? keyOffset : (valueOffset ?? keyOffset ?? offset);
    node = next;
  }
  return offset;
}
