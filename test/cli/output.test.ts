import { describe, expect, it } from 'vitest';
import { progress, shown, styleFor, table } from '../../src/cli/output.js';

function stream(isTTY: boolean) {
  let written = '';
  return { write: (text: string) => void (written += text), isTTY, get written() { return written; } };
}

describe('output helpers', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
  ])('colours a terminal %s with env %j: %s', (tty, env, coloured) => {
    expect(styleFor(stream(tty), env).red('x') !== 'x').toBe(coloured);
  });

  it('pads columns to their widest cell, colour codes not counted', () => {
    const style = styleFor(stream(true), {});
    expect(table(['A', 'LONG HEADER'], [[style.red('wide cell'), 'x'], ['y', 'z']], styleFor(stream(false), {}))).toBe('  A          LONG HEADER\n  \u001b[31mwide cell\u001b[39m  x\n  y          z\n');
  });

  it('draws progress on a terminal and writes nothing when piped', () => {
    const terminal = stream(true);
    const pipe = stream(false);
    for (const target of [terminal, pipe]) {
      const line = progress(target);
      line.update('reading vaults 1/3');
      line.done();
    }
    expect(terminal.written).toBe('\r\u001b[2Kreading vaults 1/3\r\u001b[2K');
    expect(pipe.written).toBe('');
  });

  it('escapes control and bidi characters from input before a terminal sees them', () => {
    expect(shown('a\u001b[2Jb\u202ec')).toBe('a\\u001b[2Jb\\u202ec');
  });
});
