/**
 * The benchmark's flags: a value it cannot run with is a usage error (exit 2, the reason, the usage), found
 * before anything starts, and a protocol other than the documented one never writes the documented table;
 * the documented runs take the payout-ID registry production requires unless told not to.
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
    [
      ['--no-registry', '--write-docs'],
      '--no-registry leaves out the payout registry production requires: not with --write-docs',
    ],
  ])('%j: exit 2 with the reason and the usage', (args, reason) => {
    const run = bench(...args);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain(reason);
    expect(run.stderr).toContain('usage: npm run bench');
    expect(run.stdout).toBe('');
  });
});

describe('npm run bench: the documented runs measure what production runs', () => {
  // --dry-run prints the plan and stops, so which runs take the registry is checked without running one.
  it.each([
    [['--full'], 'registry=on', 'writes docs/performance.md'],
    [['--soak'], 'registry=on', 'writes docs/performance.md'],
    [['--target', 'cluster', '--scale', '--write-docs'], 'registry=on', 'writes docs/performance.md'],
    [['--full', '--no-registry'], 'registry=off', 'leaves docs/performance.md as it is'],
    [['--full', '--gateway-only'], 'registry=off', 'leaves docs/performance.md as it is'],
    [['--scale'], 'registry=off', 'leaves docs/performance.md as it is'],
    [['--smoke', '--registry'], 'registry=on', 'leaves docs/performance.md as it is'],
    [['--soak', '--n', '10000'], 'registry=on', 'writes docs/performance.md'],
    // Other sizes or shorter phases are another run: it must not replace the documented table by accident.
    [['--soak', '--n', '30000'], 'registry=on', 'leaves docs/performance.md as it is'],
    [['--soak', '--quick'], 'registry=on', 'leaves docs/performance.md as it is'],
    [['--full', '--ns', '100,500'], 'registry=on', 'leaves docs/performance.md as it is'],
    [['--full', '--n', '2000'], 'registry=on', 'leaves docs/performance.md as it is'],
    [['--full', '--reps', '1'], 'registry=on', 'leaves docs/performance.md as it is'],
    [['--full', '--quick'], 'registry=on', 'leaves docs/performance.md as it is'],
    [['--full', '--smoke'], 'registry=on', 'leaves docs/performance.md as it is'],
    // Asked for by name, other sizes are written (the table names its command).
    [['--soak', '--n', '30000', '--write-docs'], 'registry=on', 'writes docs/performance.md'],
    [['--full', '--ns', '100,500', '--write-docs'], 'registry=on', 'writes docs/performance.md'],
  ])('%j: %s, %s', (args, registry, docs) => {
    const run = bench(...args, '--dry-run');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(registry);
    expect(run.stdout).toContain(docs);
  });
});
