/**
 * The benchmark's flags: a value it cannot run with is a usage error (exit 2, the reason, the usage), found
 * before anything starts, and a protocol other than the documented one never writes the documented table.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const bench = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm run bench: usage errors', () => {
  it.each([
    [['--bank-delay=-5'], '--bank-delay is whole milliseconds from 0 to 60000'],
    [['--bank-delay', '2.5'], '--bank-delay is whole milliseconds from 0 to 60000'],
    [['--bank-delay', 'soon'], '--bank-delay is whole milliseconds from 0 to 60000'],
    [
      ['--bank-delay', '30', '--write-docs'],
      '--bank-delay changes the documented protocol: not with --write-docs',
    ],
    [['--signal-load', '2'], '--signal-load is a fraction of saturation in (0, 1]'],
    [['--target', 'prod'], '--target is dev or cluster'],
  ])('%j: exit 2 with the reason and the usage', (args, reason) => {
    const run = bench(...args);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain(reason);
    expect(run.stderr).toContain('usage: npm run bench');
    expect(run.stdout).toBe('');
  });
});
