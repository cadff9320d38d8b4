/**
 * `npm run bench -- --registry`: our worker runs with the payout-ID registry production requires, in a
 * PostgreSQL the benchmark starts, whose CPU counts as ours; the run only reports once the registry holds a
 * claim for every payout it started, and leaves no PostgreSQL or data folder behind.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const registryFolders = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith('bench-registry-'));

describe('npm run bench -- --registry', () => {
  it("counts the registry's PostgreSQL as ours once every payout claimed its ID there", () => {
    const before = registryFolders();
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--smoke', '--payouts-only', '--registry'],
      { cwd: ROOT, encoding: 'utf8', timeout: 240_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const claimed = /payout registry: each of the (\d+) payouts claimed its ID there/.exec(run.stdout);
    expect(claimed, run.stdout).not.toBeNull();
    expect(Number(claimed![1])).toBeGreaterThanOrEqual(30);
    expect(run.stdout).toMatch(/N=10 rep 1: .*gateway \d+\.\d, registry \d+\.\d, server/);
    expect(run.stdout).toMatch(
      /CPU per payout, N=10 \(ms; worker\+gateway\+server\+registry vs worker\+server\)/,
    );
    expect(run.stdout).toContain('| N | worker | gateway | registry | server (ours) |');
    expect(registryFolders()).toEqual(before);
  }, 300_000);
});
