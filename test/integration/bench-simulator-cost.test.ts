/**
 * `bench/simulator-cost.ts`: a bad argument is a usage error before anything starts, and a short run measures
 * the simulator's CPU per payout only after the simulator did every payout, once.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const tool = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/simulator-cost.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, ...env },
  });

describe('bench/simulator-cost.ts', () => {
  it.each([
    [['0'], {}, 'payouts per round is a whole number above 0, not "0"'],
    [['20', '1.5'], {}, 'rounds is a whole number above 0, not "1.5"'],
    [['20', '1', '--fast'], {}, 'unknown arguments: --fast'],
    [['20'], { SIM_COST_RATE: '-3' }, 'SIM_COST_RATE is payouts a second (0: 16 in flight), not "-3"'],
  ])('%j %j: exit 2 with the reason and the usage', (args, env, reason) => {
    const run = tool(args, env);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain(reason);
    expect(run.stderr).toContain('usage: npx tsx bench/simulator-cost.ts');
    expect(run.stdout).toBe('');
  });

  it('measures a round once the simulator initiated and confirmed each payout once', () => {
    const run = tool(['20', '1']);
    expect(run.status, run.stderr).toBe(0);
    const round = /round 1: (\d+\.\d+) ms of simulator CPU per payout/.exec(run.stdout);
    expect(round, run.stdout).not.toBeNull();
    expect(Number(round![1])).toBeGreaterThan(0);
    expect(run.stdout).toContain('the simulator initiated and confirmed each of the 320 payouts once');
  }, 120_000);
});
