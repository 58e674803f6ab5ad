/**
 * docs/deploy.md's smoke test after `azd up`: the command that writes kvrot.config.json from the
 * azd environment, run as written with a stand-in `azd` on the PATH, makes a configuration kvrot
 * reads, naming the app and the API's app ID URI.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveEnvironment } from '../../src/cli/config.js';
import { CliUsageError } from '../../src/cli/errors.js';
import { readTextFile, type CliIo } from '../../src/cli/io.js';

const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');

/** The lines of the section's first code block up to the end of its here-document. */
function configCommand(): string {
  const section = doc.slice(doc.indexOf('## Smoke test, then promote'));
  const block = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4));
  const lines = block.split('\n');
  return lines.slice(0, lines.indexOf('EOF') + 1).join('\n');
}

/** Runs the command in a fresh folder with an `azd` that answers these values; returns the folder. */
function runWithAzd(values: Record<string, string>): { dir: string; status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kvrot-deploy-doc-'));
  const bin = mkdtempSync(join(tmpdir(), 'kvrot-fake-azd-'));
  const answers = Object.entries(values).map(([key, value]) => `  ${key}) printf '%s\\n' '${value}' ;;`);
  writeFileSync(join(bin, 'azd'), ['#!/bin/sh', '[ "$1 $2" = "env get-value" ] || exit 64', 'case "$3" in', ...answers, '  *) echo "no $3" >&2; exit 1 ;;', 'esac', ''].join('\n'));
  chmodSync(join(bin, 'azd'), 0o755);
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', configCommand()], { cwd: dir, env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` }, encoding: 'utf8' });
  return { dir, status: result.status, stderr: result.stderr };
}

function ioIn(dir: string): CliIo {
  const discard = { write: () => undefined, isTTY: false };
  return { stdout: discard, stderr: discard, env: {}, cwd: dir, readTextFile };
}

describe("docs/deploy.md's kvrot.config.json after azd up", () => {
  it('writes a configuration kvrot reads: the app as staging, its app ID URI as the audience', () => {
    // Act
    const run = runWithAzd({ SERVICE_API_URI: 'https://func-api-x7k2.azurewebsites.net', AUTH_AUDIENCES: 'api://00000000-1111-2222-3333-444444444444/secrets-api,5a1c0e2d-0000-4000-8000-000000000001' });

    // Assert
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const staging = resolveEnvironment(loadConfig(ioIn(run.dir), undefined), 'staging', join(run.dir, 'kvrot.config.json'));
    expect({ api: staging.baseUrl.href, audience: staging.audience, identityProvider: staging.identityProvider }).toEqual({
      api: 'https://func-api-x7k2.azurewebsites.net/',
      audience: 'api://00000000-1111-2222-3333-444444444444/secrets-api',
      identityProvider: undefined,
    });
  });

  it('makes a configuration kvrot refuses, naming the field, when azd has no such value', () => {
    // Act
    const run = runWithAzd({ AUTH_AUDIENCES: 'api://x/secrets-api' });

    // Assert: a failing $(...) in the here-document leaves an empty api, which kvrot refuses as a usage error (exit 2)
    expect(run.stderr).toContain('no SERVICE_API_URI');
    let refusal: unknown;
    try {
      loadConfig(ioIn(run.dir), undefined);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(CliUsageError);
    expect((refusal as Error).message).toMatch(/environments\.staging\.api: must be a URL/);
  });
});
