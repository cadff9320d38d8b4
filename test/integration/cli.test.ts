/** The operator CLI as a process against a real stack: exit codes and messages an operator can act on. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../harness/local-stack';
import type { PayoutView } from '../../client/payouts';
import {
  accountRequest,
  FAST_SETTINGS,
  startTestStack,
  TEST_CODEC_KEYS,
  uniquePayoutId,
  waitFor,
} from '../helpers/stack';

/** A payout that waits for approval long enough for three CLI processes to start. */
const accountRequestFor = (id: string) => accountRequest(id, FAST_SETTINGS.policy.approvalThreshold + 100);
import { refundedWebhook, sendWebhook } from '../helpers/webhooks';

const run = promisify(execFile);
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    settings: { ...FAST_SETTINGS, timeouts: { ...FAST_SETTINGS.timeouts, approvalTimeoutMs: 60_000 } },
  });
});
afterAll(() => stack?.stop());

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliAs(undefined, ...args);
}

/** The CLI with PAYOUT_OPERATOR_ID set to `operator` (unset when undefined). */
async function cliAs(
  operator: string | undefined,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_TASK_QUEUE: stack.temporal.taskQueue,
    PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS,
  };
  if (operator === undefined) delete env.PAYOUT_OPERATOR_ID;
  else env.PAYOUT_OPERATOR_ID = operator;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'client/cli.ts', ...args], {
      cwd: path.resolve(__dirname, '../..'),
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run payout -- …', () => {
  it('starts a payout, shows it, waits for its result, and refuses approval it does not need', async () => {
    const id = uniquePayoutId('cli');
    const account = [
      '--bik',
      '049205131',
      '--account',
      '40817810099910004312',
      '--name',
      'Иванов Иван',
      '--description',
      'Выплата',
    ];
    const started = await cli('start', '--id', id, '--amount', '150000', ...account);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ payoutId: id, created: true });
    const result = await cli('result', id);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: 'succeeded' });
    const status = await cli('status', id);
    const shown = JSON.parse(status.stdout) as PayoutView;
    expect(shown).toMatchObject({
      workflowStatus: 'COMPLETED',
      state: { step: 'succeeded' },
      returned: false,
    });
    expect(shown.returns).toBeUndefined();

    // The money comes back after the payout finished: status shows the return.
    const refund = refundedWebhook({
      sessionId: shown.state.sessionId!,
      bankPayoutId: shown.state.bankPayoutId!,
      metadata: shown.workflowId,
      amount: 150000,
      refundId: 'rf_cli',
    });
    expect(await sendWebhook(stack, refund)).toBe(200);
    await waitFor(
      async () => ((await stack.payouts.getPayout(id)).returns?.returns.length ? true : undefined),
      'the return',
    );
    const returned = await cli('status', id);
    expect(JSON.parse(returned.stdout)).toMatchObject({
      returned: true,
      returns: { returns: [{ refundId: 'rf_cli', amount: 150000, confirmedByStatus: false }] },
    });
    expect(returned.stderr).toMatch(
      /RETURNED .*: refund rf_cli \(accepted\), 150000 minor units, webhook only/,
    );
    const approve = await cliAs('alice', 'approve', id);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/approve refused: payout .* has already finished/);
    const again = await cli('start', '--id', id, '--amount', '150001', ...account);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toMatch(/already exists with different details/);
  });

  it('names every problem with bad input, and explains usage', async () => {
    const bad = await cli(
      'start',
      '--id',
      'x',
      '--amount=-5',
      '--bik',
      '1',
      '--account',
      '2',
      '--name',
      '',
      '--description',
      'x!',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/amount: must be positive/);
    expect(bad.stderr).toMatch(/recipient.bik: must be 9 digits/);
    expect(bad.stderr).toMatch(/description: must not contain/);
    const usage = await cli('frobnicate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command "frobnicate"[\s\S]*usage:/);
    const missing = await cli('status', uniquePayoutId('nope'));
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('takes the operator from PAYOUT_OPERATOR_ID, never from a flag, and needs one to act', async () => {
    const id = uniquePayoutId('cli-operator');
    await stack.payouts.startPayout(accountRequestFor(id));
    await waitFor(async () => {
      const { state } = await stack.payouts.getPayout(id);
      return state.step === 'awaiting_approval' ? true : undefined;
    }, 'awaiting_approval');
    const flag = await cliAs('alice', 'approve', id, '--by', 'mallory');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--by is not accepted: .*PAYOUT_OPERATOR_ID/);
    const nobody = await cliAs(undefined, 'approve', id);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/approve needs an operator identity: set PAYOUT_OPERATOR_ID/);
    const approved = await cliAs('alice', 'approve', id, '--comment', 'ok');
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ approval: { decision: 'approved', by: 'alice' } });
  });
});
