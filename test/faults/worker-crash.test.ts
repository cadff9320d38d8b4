/**
 * Fault 1: the worker process is SIGKILLed in the middle of each step. A new worker finishes every payout,
 * and the simulated bank saw exactly one init and at most one confirm.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalStack } from '../../harness/local-stack';
import { spawnWorker, type ChildService } from '../../harness/child-services';
import { accountRequest, FAST_SETTINGS, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';
import { payoutWorkflowId } from '../../policy/payout-request';

let stack: LocalStack;
let worker: ChildService | undefined;
const bundle = () => inject('workflowBundlePath');

beforeAll(async () => {
  stack = await startTestStack({
    withoutWorker: true,
    // webhooks, not polls, move these payouts on: the crash is what is under test
    settings: {
      ...FAST_SETTINGS,
      timeouts: {
        ...FAST_SETTINGS.timeouts,
        readyTimeoutMs: 60_000,
        finishTimeoutMs: 60_000,
        bankCallTimeoutMs: 4_000,
      },
    },
    simulator: {
      processingDelayMs: 1_500,
      webhookRetryInitialMs: 100,
      webhookRetryMaxMs: 1_000,
      webhookRetryGiveUpMs: 120_000,
    },
  });
});
afterAll(async () => {
  await worker?.kill();
  await stack?.stop();
});

const requestsTo = (endpoint: string, workflowId: string) =>
  stack.simulator.ledger.entries.filter(
    (e) => e.kind === 'request' && e.endpoint === endpoint && e.workflowId === workflowId,
  );

async function crashDuring(
  prefix: string,
  arm: (workflowId: string) => void,
  crashed: (payoutId: string, workflowId: string) => Promise<boolean>,
) {
  const payoutId = uniquePayoutId(prefix);
  const workflowId = payoutWorkflowId(payoutId);
  arm(workflowId);
  worker = await spawnWorker(stack, bundle());
  await stack.payouts.startPayout(accountRequest(payoutId));
  await waitFor(
    async () => ((await crashed(payoutId, workflowId)) ? true : undefined),
    `the moment to crash (${prefix})`,
    30_000,
  );
  await worker.kill();
  worker = await spawnWorker(stack, bundle());
  const result = await stack.payouts.result(payoutId);
  await worker.stop();
  worker = undefined;
  const ledger = stack.simulator.ledger.summary()[workflowId];
  return { result, ledger };
}

describe('worker killed mid-step', () => {
  it('during init: the bank got the init, the new worker does not create a second session', async () => {
    const { result, ledger } = await crashDuring(
      'crash-init',
      (workflowId) =>
        stack.simulator.injectFault({
          endpoint: 'session/init/payout',
          kind: 'slow',
          delayMs: 1_000,
          times: 1,
          workflowId,
        }),
      (_p, workflowId) => Promise.resolve(requestsTo('session/init/payout', workflowId).length > 0),
    );
    expect(result.outcome).toBe('succeeded');
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
    expect(ledger?.sessionIds).toHaveLength(1);
  });

  it('while waiting for ready_to_confirm', async () => {
    const { result, ledger } = await crashDuring(
      'crash-awaiting-ready',
      () => undefined,
      async (payoutId) => (await stack.payouts.getPayout(payoutId)).state.step === 'awaiting_ready',
    );
    expect(result.outcome).toBe('succeeded');
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
  });

  it('during confirm: the bank confirmed, the new worker does not confirm again', async () => {
    const { result, ledger } = await crashDuring(
      'crash-confirm',
      (workflowId) =>
        stack.simulator.injectFault({
          endpoint: 'session/confirm',
          kind: 'slow',
          delayMs: 1_000,
          times: 1,
          workflowId,
        }),
      (_p, workflowId) => Promise.resolve(requestsTo('session/confirm', workflowId).length > 0),
    );
    expect(result.outcome).toBe('succeeded');
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
  });

  it('while waiting for payment_finished', async () => {
    const { result, ledger } = await crashDuring(
      'crash-awaiting-finish',
      () => undefined,
      async (payoutId) => (await stack.payouts.getPayout(payoutId)).state.step === 'awaiting_finish',
    );
    expect(result.outcome).toBe('succeeded');
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
  });
});
