/** The operator CLI as a process against a real stack: exit codes and messages an operator can act on. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../harness/local-stack';
import type { PayoutView } from '../../client/payouts';
import { startTestStack, TEST_CODEC_KEYS, uniquePayoutId, waitFor } from '../helpers/stack';
import { refundedWebhook, sendWebhook } from '../helpers/webhooks';

const run = promisify(execFile);
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'client/cli.ts', ...args], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: stack.temporal.address,
        TEMPORAL_TASK_QUEUE: stack.temporal.taskQueue,
        PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run payout -- …', () => {
  it('starts an SBP payout with --phone and --bank-id, and shows the recipient masked', async () => {
    const id = uniquePayoutId('cli-sbp');
    const sbp = [
      '--phone',
      '79680000000',
      '--bank-id',
      '100000000069',
      '--name',
      'Иванов Иван',
      '--description',
      'Выплата',
    ];
    const started = await cli('start', '--id', id, '--amount', '150000', ...sbp);
    expect(started.code).toBe(0);
    expect(JSON.parse((await cli('result', id)).stdout)).toMatchObject({ outcome: 'succeeded' });
    const shown = JSON.parse((await cli('status', id)).stdout) as PayoutView;
    expect(shown.state).toMatchObject({
      recipient: 'SBP 7968***0000 at bank 100000000069',
      sbpCheck: { bankListed: true },
    });
  });

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
    const approve = await cli('approve', id, '--by', 'alice');
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
});
