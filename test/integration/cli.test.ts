/** The operator CLI as a process against a real stack: exit codes and messages an operator can act on. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  // Approvals wait long enough for an operator at a terminal.
  stack = await startTestStack({
    settings: { ...FAST_SETTINGS, timeouts: { ...FAST_SETTINGS.timeouts, approvalTimeoutMs: 120_000 } },
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
    const shown = JSON.parse((await cli('status', id, '--json')).stdout) as PayoutView;
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
    const status = await cli('status', id, '--json');
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
    const returned = await cli('status', id, '--json');
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

describe('npm run payout -- status / list / batch for operators', () => {
  const big = 15_000_000; // above the approval threshold: waits for an operator

  it('status reads as a summary, --follow prints each new event once until the end, list filters', async () => {
    const id = uniquePayoutId('cli-follow');
    await stack.payouts.startPayout({ ...accountRequest(id), amount: big });
    await waitFor(
      async () => ((await stack.payouts.getPayout(id)).state.step === 'awaiting_approval' ? true : undefined),
      'awaiting approval',
    );
    const summary = await cli('status', id);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain('step       awaiting_approval');
    expect(summary.stdout).toContain('amount     150 000.00 RUB to 40817***4312');
    expect(summary.stdout).toMatch(/decision {3}ask an operator: .*\n +✓ /);
    expect(summary.stdout).toMatch(/Events:\n {2}\d{4}-\d{2}-\d{2} [\d:.]+ {2}started/);
    expect(summary.stdout).not.toContain('40817810099910004312');

    const small = uniquePayoutId('cli-small');
    await stack.payouts.startPayout(accountRequest(small));
    await stack.payouts.result(small);
    const listed = await waitFor(async () => {
      const r = await cli(
        'list',
        '--step',
        'awaiting_approval',
        '--min-amount',
        String(big),
        '--since',
        '10m',
      );
      return r.stdout.includes(id) ? r : undefined;
    }, 'the payout in the list');
    expect(listed.stdout.split('\n')[0]).toMatch(/^PAYOUT ID +STATUS +STEP +AMOUNT/);
    expect(listed.stdout).toMatch(new RegExp(`${id} +in_progress +awaiting_approval +150 000.00 RUB`));
    expect(listed.stdout).not.toContain(small);
    const json = await cli('list', '--status', 'succeeded', '--since', '10m', '--json');
    expect((JSON.parse(json.stdout) as { payoutId: string }[]).map((p) => p.payoutId)).toContain(small);
    const bad = await cli('list', '--status', 'nope');
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toMatch(/--status: one of/);

    const following = cli('status', id, '--follow', '--poll-interval', '200');
    await new Promise((r) => setTimeout(r, 1_000));
    await stack.payouts.asOperator('alice').approve(id);
    const followed = await following;
    expect(followed.code).toBe(0);
    const lines = followed.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('COMPLETED: succeeded');
    const final = await stack.payouts.getPayout(id);
    // Every event of the payout, in order, printed once.
    expect(lines.slice(0, -1).map((l) => l.split('  ')[1])).toEqual(final.state.events.map((e) => e.kind));
    expect(lines.some((l) => l.includes('operator:approved  (alice)'))).toBe(true);
  });

  it('batch starts each valid row once, reports every problem of invalid rows, and starts nothing twice', async () => {
    const [a, b, bad] = [uniquePayoutId('batch-a'), uniquePayoutId('batch-b'), uniquePayoutId('batch-bad')];
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'batch-')), 'payouts.csv');
    writeFileSync(
      file,
      [
        'id,amount,currency,bik,account,token,name,description',
        `${a},150000,rub,049205131,40817810099910004312,,Иванов Иван,Выплата А`,
        `${bad},-5,rub,12,40817810099910004312,,,Выплата!`,
        `${b},250000,rub,049205131,40817810099910004312,,"Петров, Пётр",Выплата Б`,
      ].join('\n'),
    );
    const first = await cli('batch', file);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(
      new RegExp(
        `line 3 \\(${bad}\\): NOT STARTED: .*amount: must be positive.*recipient.bik: must be 9 digits`,
      ),
    );
    expect(first.stdout.trim().split('\n').at(-1)).toBe(
      '3 rows: 2 started, 0 already started with the same details, 1 invalid, 0 conflicting with an existing payout, 0 failed to start',
    );
    expect((await stack.payouts.result(a)).outcome).toBe('succeeded');
    expect((await stack.payouts.getPayout(b)).state.amount).toBe(250000);
    await expect(stack.payouts.getPayout(bad)).rejects.toThrow(/does not exist/);

    const again = await cli('batch', file);
    expect(again.stdout.trim().split('\n').at(-1)).toBe(
      '3 rows: 0 started, 2 already started with the same details, 1 invalid, 0 conflicting with an existing payout, 0 failed to start',
    );
  });
});
