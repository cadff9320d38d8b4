/** The benchmark's profile summary: self time by owner, and one side against the other per payout. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCpuProfiles, profileSummaryLines, summarizeCpuProfile } from '../../bench/cpu-profile';

const dir = mkdtempSync(path.join(tmpdir(), 'cpu-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A profile whose samples spend `ms` of self time in each named frame (1 ms per sample). */
function profile(name: string, frames: Record<string, { url: string; ms: number }>): string {
  const entries = Object.entries({ '(idle)': { url: '', ms: 50 }, ...frames });
  const nodes = entries.map(([functionName, f], i) => ({
    id: i + 1,
    callFrame: { functionName, url: f.url, lineNumber: 0 },
  }));
  const samples = entries.flatMap(([, f], i) => Array<number>(f.ms).fill(i + 1));
  const file = path.join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify({ nodes, samples, timeDeltas: samples.map(() => 1000) }));
  return file;
}

const ours = profile('ours', {
  signOneShot: { url: 'node:internal/crypto/sig', ms: 30 },
  request: { url: 'file:///app/node_modules/undici/lib/api/api-request.js', ms: 20 },
  poll: { url: 'file:///app/node_modules/@temporalio/core-bridge/index.js', ms: 50 },
});
const baseline = profile('baseline', {
  poll: { url: 'file:///app/node_modules/@temporalio/core-bridge/index.js', ms: 40 },
});

describe('CPU profile summary', () => {
  it('counts busy time only, by package or node module', () => {
    const s = summarizeCpuProfile(ours);
    expect(s.totalMs).toBe(100);
    expect(Object.fromEntries(s.byOwner)).toEqual({
      '@temporalio/core-bridge': 50,
      'node:sig': 30,
      undici: 20,
    });
  });

  it('prints a summary: the heading with the busy time, owners, then the hottest functions, each list cut to its length', () => {
    expect(profileSummaryLines(ours, (ms) => `worker (${ms} ms):`, { owners: 2, functions: 1 })).toEqual([
      'worker (100 ms):',
      '   50.0%  @temporalio/core-bridge',
      '   30.0%  node:sig',
      '  hottest functions:',
      '   50.0%  poll @temporalio/core-bridge',
    ]);
  });

  it('puts two sides side by side in ms per payout, the largest difference first', () => {
    const d = compareCpuProfiles({ file: ours, payouts: 10 }, { file: baseline, payouts: 20 });
    expect(d.totals).toEqual([10, 2]);
    expect(d.rows).toEqual([
      { owner: '@temporalio/core-bridge', ours: 5, theirs: 2 },
      { owner: 'node:sig', ours: 3, theirs: 0 },
      { owner: 'undici', ours: 2, theirs: 0 },
    ]);
  });
});
