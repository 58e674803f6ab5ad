/**
 * docs/cli.md says what the code does: its exit-code table is EXIT, its --json example has every
 * field of the schema, and its examples are what kvrot prints: validate's run on the corpus, and
 * plan's on the Secretfile the page shows, against an API that has none of its policies.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMAS } from '../../src/cli/commands/api-reports.js';
import { validateReportSchema } from '../../src/cli/commands/validate-report.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { COMMANDS } from '../../src/cli/main.js';
import { runInProcess } from './cli-harness.js';

const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

describe('docs/cli.md', () => {
  it('lists exactly the exit codes kvrot uses, by number', () => {
    const documented = [...doc.matchAll(/^\| (\d) \| (\w+)/gm)].map(([, code, name]) => [Number(code), name]);
    expect(documented).toEqual(Object.entries(EXIT).map(([name, code]) => [code, name]));
  });

  it("shows every top-level field of validate's --json in its example, and describes the ones that need it", () => {
    const at = doc.indexOf('```json', doc.indexOf("`validate`'s, for the same run"));
    const example = doc.slice(at, doc.indexOf('```', at + 7));
    for (const field of Object.keys(validateReportSchema.shape)) expect(example).toContain(`"${field}":`);
  });

  it('documents every registered command, and each alias in the commands table and the command\'s section', () => {
    const program = new Command();
    for (const command of COMMANDS) command.register(program, { io: undefined as never, run: async () => undefined });
    for (const command of program.commands) {
      expect(doc).toContain(`### \`kvrot ${command.name()}\``);
      for (const alias of command.aliases()) {
        expect(doc).toContain(`| \`${command.name()}\` (alias \`${alias}\`) |`);
        expect(section(command.name())).toContain(`kvrot ${alias} ...`);
      }
    }
    expect(program.commands.flatMap((command) => command.aliases()).sort()).toEqual(['cost-estimate', 'drift-detect', 'policy-check']);
  });

  /** A command's section, with those of the commands it says it extends (apply has plan's fields, promote apply's). */
  function section(name: string): string {
    const start = doc.indexOf(`### \`kvrot ${name}\``);
    const end = doc.indexOf('\n### ', start + 1);
    const own = doc.slice(start, end === -1 ? undefined : end);
    const extended: Record<string, string[]> = { apply: ['plan'], promote: ['apply', 'plan'], reject: ['approve'] };
    return [own, ...(extended[name] ?? []).map(section)].join('\n');
  }

  it.each(Object.entries(JSON_SCHEMAS))("names every top-level field of %s's --json in its section", (name, schema) => {
    const common = ['kvrotJson', 'command', 'ok', 'environment', 'api'];
    const text = section(name);
    expect(text, name).toContain('--json');
    for (const field of Object.keys(schema.shape)) if (!common.includes(field)) expect(text, `${name}.${field}`).toMatch(new RegExp(`\\b${field}\\b`));
  });

  describe('its examples are real output', () => {
    /** The fenced block that follows `after` in the page. */
    function block(after: string, fence = '```'): string {
      const at = doc.indexOf(after);
      expect(at, after).toBeGreaterThan(-1);
      const start = doc.indexOf('\n', doc.indexOf(fence, at)) + 1;
      return doc.slice(start, doc.indexOf('\n```', start));
    }

    it("shows validate's output for the corpus's features.yml, every line as kvrot prints it", async () => {
      // Act
      const run = await runInProcess(['validate', '-f', 'features.yml', '-e', 'production'], { env: { NO_COLOR: '1' } });

      // Assert
      expect(run.code).toBe(EXIT.validation);
      expectShortened(block("`kvrot validate -f features.yml -e production`, run in"), run.stdout);
    });

    it("shows validate's --json for the same run, every value shown as kvrot prints it", async () => {
      // Act
      const run = await runInProcess(['validate', '-f', 'features.yml', '-e', 'production', '--json'], { env: { NO_COLOR: '1' } });

      // Assert
      const example: unknown = JSON.parse(block("`validate`'s, for the same run", '```json'));
      expect(differences(example, JSON.parse(run.stdout), '')).toEqual([]);
    });

    it("shows plan's output for the Secretfile on the page, with the page's kvrot.config.json", async () => {
      // Arrange
      const dir = mkdtempSync(join(tmpdir(), 'kvrot-docs-'));
      writeFileSync(join(dir, 'kvrot.config.json'), block('`kvrot.config.json` says which API', '```json'));
      writeFileSync(join(dir, 'Secretfile.yml'), block('For this Secretfile, against an API', '```yaml'));
      const emptyApi: typeof fetch = async (input) =>
        new URL(String(input)).port === '7072' ? Response.json({ access_token: 'a.eyJvaWQiOiIxIn0.c', token_type: 'Bearer', expires_in: 3600 }) : Response.json({ items: [] });

      // Act
      const run = await runInProcess(['plan', '-e', 'local', '--as', 'wendy'], { cwd: dir, env: { NO_COLOR: '1' }, fetch: emptyApi });

      // Assert
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT.ok, stderr: '' });
      expect(`${block('`kvrot plan -e local --as wendy` prints')}\n`).toBe(run.stdout);
    });

    it('the shortened-example checks fail on an example that is not the output (their twins)', () => {
      const output = 'title\n\nA (2)\n  one\n  two\n\nok: 2\n';
      expect(() => expectShortened('title\n\nA (2)\n  ...\n\nok: 2', output)).not.toThrow();
      expect(() => expectShortened('title\n\nA (2)\n  one...\n  two\n\nok: 2', output)).not.toThrow();
      expect(() => expectShortened('title\n\nA (3)\n  ...\n\nok: 2', output)).toThrow();
      expect(() => expectShortened('title\n\nA (2)\n  two\n\nok: 2', output)).toThrow();
      expect(() => expectShortened('title\n\nA (2)\n  ...', output)).not.toThrow();
      expect(() => expectShortened('title\n\nA (2)\n  one', output)).toThrow();
      expect(differences({ a: 1, '...': '...' }, { a: 1, b: 2 }, '')).toEqual([]);
      expect(differences({ a: 1 }, { a: 1, b: 2 }, '')).toEqual(['.b: not in the example, which has no "..." key']);
      expect(differences({ a: 'start ...', l: [2] }, { a: 'start of it', l: [1, 2] }, '')).toEqual([]);
      expect(differences({ a: 'other ...', l: [3], e: [] }, { a: 'start', l: [1, 2], e: [1] }, '')).toEqual(['.a: "start" does not start with "other "', '.l[0]: no later item matches', '.e: 1 items, the example none']);
    });
  });
});

/**
 * An example left shortened: a line `...` stands for lines left out, a line ending in `...` for
 * the rest of its line. Between the gaps, lines are the output's, adjacent and in order; without
 * a gap at either end, the example starts and ends where the output does.
 */
function expectShortened(example: string, output: string): void {
  const actual = output.replace(/\n$/, '').split('\n');
  const runs: string[][] = [[]];
  for (const line of example.split('\n')) {
    if (line.trim() === '...') runs.push([]);
    else runs.at(-1)!.push(line);
  }
  const matches = (expected: string, line: string | undefined) => line !== undefined && (expected.endsWith('...') ? line.startsWith(expected.slice(0, -3)) : line === expected);
  const fits = (run: string[], at: number) => run.every((line, index) => matches(line, actual[at + index]));
  let from = 0;
  runs.forEach((run, index) => {
    const first = index === 0;
    const last = index === runs.length - 1;
    const at = last ? actual.length - run.length : first ? 0 : actual.findIndex((_line, start) => start >= from && fits(run, start));
    if (at < from || (first && at !== 0) || !fits(run, at)) throw new Error(`these example lines are not the output's, in order:\n${run.join('\n')}\n--- output:\n${output}`);
    from = at + run.length;
  });
}

/**
 * Where a JSON example differs from the real document: "..." stands for any value, a string ending
 * in "..." for the rest of it, a "..." key for keys left out; an array shows some of its items, in
 * order ([] means none).
 */
function differences(example: unknown, actual: unknown, path: string): string[] {
  if (example === '...') return [];
  if (typeof example === 'string' && example.endsWith('...')) {
    const start = example.slice(0, -3);
    return typeof actual === 'string' && actual.startsWith(start) ? [] : [`${path}: ${JSON.stringify(actual)} does not start with ${JSON.stringify(start)}`];
  }
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) return [`${path}: not an array`];
    if (example.length === 0) return actual.length === 0 ? [] : [`${path}: ${actual.length} items, the example none`];
    let from = 0;
    for (const [index, item] of example.entries()) {
      const at = actual.findIndex((candidate, position) => position >= from && differences(item, candidate, '').length === 0);
      if (at === -1) return [`${path}[${index}]: no later item matches`];
      from = at + 1;
    }
    return [];
  }
  if (example !== null && typeof example === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: not an object`];
    const shown = example as Record<string, unknown>;
    const real = actual as Record<string, unknown>;
    const out = Object.keys(shown)
      .filter((key) => key !== '...')
      .flatMap((key) => (key in real ? differences(shown[key], real[key], `${path}.${key}`) : [`${path}.${key}: not in the output`]));
    if (!('...' in shown)) for (const key of Object.keys(real)) if (!(key in shown)) out.push(`${path}.${key}: not in the example, which has no "..." key`);
    return out;
  }
  return Object.is(example, actual) ? [] : [`${path}: ${JSON.stringify(actual)}, the example ${JSON.stringify(example)}`];
}
