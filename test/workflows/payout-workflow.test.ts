/**
 * The real payout and webhook-inbox workflows at the production default timeouts (hours, days), on Temporal's
 * Java time-skipping test server: a test waits 72 h of workflow time in seconds. Activities are stubs over a
 * scriptable fake bank (stub-activities.ts); signals are the gateway's messages.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { NO_TRACING } from '../../observability/tracing';
import { Worker } from '@temporalio/worker';
import ms from 'ms';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { webhookDedupKey } from '../../bank131/session';
import { requestHash } from '../../policy/payout-request';
import {
  PAYOUT_WORKFLOW_TYPE,
  WEBHOOK_INBOX_WORKFLOW_TYPE,
  paymentFinishedSignal,
  readyToConfirmSignal,
  statusQuery,
  unmatchedWebhookSignal,
  webhookUnreadableSignal,
  PAYOUT_RETURNS_WORKFLOW_TYPE,
  paymentRefundedSignal,
  payoutReturnsWorkflowId,
  type PayoutReturnsWorkflow,
  type WebhookSignal,
  type PayoutResult,
  type PayoutState,
  type PayoutStep,
  type PayoutWorkflowInput,
  type WebhookInboxState,
} from '../../workflows/messages';
import { RETURNS_QUIET_PERIOD } from '../../workflows/payout-returns';
import { QUIET_PERIOD } from '../../workflows/webhook-inbox';
import { startTimeSkippingEnv } from './time-skipping-env';
import { FakeBank, defaultPayoutSettings } from './stub-activities';

type PayoutHandle = Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;

const defaults = defaultPayoutSettings();
const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let taskQueues = 0;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});

afterAll(async () => {
  await env?.teardown();
});

/** Runs `fn` with a worker for the real workflows (bundled once by the global setup) and `bank`'s stubs. */
async function withWorker<T>(bank: FakeBank, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  taskQueues += 1;
  const taskQueue = `workflows-${taskQueues}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: bank.activities(),
    sinks: NO_TRACING.sinks,
  });
  return worker.runUntil(fn(taskQueue));
}

/**
 * Starts the payout, lets `script` drive it (signals, waits), then awaits its result: awaiting the result is
 * what lets the test server skip time, so timers fire only after the script is done. Also returns the final
 * `status` query, taken while the worker still runs (queries need one).
 */
function runPayout(
  bank: FakeBank,
  script: (handle: PayoutHandle) => Promise<void>,
): Promise<{ result: PayoutResult; state: PayoutState; handle: PayoutHandle }> {
  return withWorker(bank, async (taskQueue) => {
    const input: PayoutWorkflowInput = {
      request: bank.request,
      requestHash: requestHash(bank.request),
    };
    const handle = await env.client.workflow.start(PAYOUT_WORKFLOW_TYPE, {
      workflowId: bank.workflowId,
      taskQueue,
      args: [input],
    });
    await script(handle);
    const result = (await handle.result()) as PayoutResult;
    return { result, state: await handle.query(statusQuery), handle };
  });
}

/** The steps the payout published to visibility (its `PayoutStep` upserts), each with its event time. */
async function publishedSteps(handle: PayoutHandle): Promise<{ step: string; atMs: number }[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((e) => {
    const field =
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.PayoutStep;
    if (!field) return [];
    const step = defaultPayloadConverter.fromPayload<string>(field);
    return [
      { step, atMs: Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6) },
    ];
  });
}

/** Waits (in real time; the server's clock is locked meanwhile) until the workflow reaches `step`. */
async function reachStep(handle: PayoutHandle, step: PayoutStep): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await handle.query(statusQuery);
    if (state.step === step) return;
    if (Date.now() > deadline) throw new Error(`payout stayed at ${state.step}, expected ${step}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** When `reconcile` should poll, as offsets from its first poll: doubling intervals up to the cap, until the max duration. */
function expectedPollOffsets(settings = defaults.timeouts): number[] {
  const offsets: number[] = [];
  let t = 0;
  let interval = settings.reconcileInitialIntervalMs;
  while (t < settings.reconcileMaxDurationMs) {
    offsets.push(t);
    t += Math.min(interval, settings.reconcileMaxDurationMs - t);
    interval = Math.min(interval * 2, settings.reconcileMaxIntervalMs);
  }
  return offsets;
}

/** Polls take a few real milliseconds each, and the server's clock runs while they do. */
const SLACK_MS = 5_000;

describe('payout workflow at the default settings (time-skipping)', () => {
  it('the defaults are the production ones: approval 3 h, reconcile for 72 h', () => {
    // Guards the scenario names below; the numbers come from config/index.ts.
    expect(defaults.timeouts.approvalTimeoutMs).toBe(3 * HOUR);
    expect(defaults.timeouts.reconcileMaxDurationMs).toBe(72 * HOUR);
  });

  it('a payout registry that stays unreachable: retried for 1 h, then failed with nothing sent to the bank', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'registry-down' });
    bank.onRegister = () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    };
    const { result, state } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'registering');
    });
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'registry_unavailable' });
    expect(bank.counts()).toEqual({});
    const attempts = bank.registryAttemptsAtMs;
    expect(attempts.length).toBeGreaterThan(5);
    const tried = attempts[attempts.length - 1]! - attempts[0]!;
    expect(tried).toBeGreaterThan(HOUR - 2 * 60_000);
    expect(tried).toBeLessThanOrEqual(HOUR);
    expect(state.events.map((e) => e.kind)).toContain('registry:unavailable');
  });

  it('cancels with approval_timeout when no operator answers within the approval timeout', async () => {
    const bank = new FakeBank({ amount: defaults.policy.approvalThreshold + 100, name: 'approval-timeout' });
    let readyAt = 0;
    const { result } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_ready');
      readyAt = await env.currentTimeMs(); // the approval timer starts after this
      await handle.signal(readyToConfirmSignal, bank.webhook('ready_to_confirm', 'ready'));
      await reachStep(handle, 'awaiting_approval');
    });

    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'approval_timeout' });
    expect(bank.counts()).toEqual({ tokenize: 1, init: 1, cancel: 1 });
    const waited = bank.callsTo('cancel')[0]!.atMs - readyAt;
    expect(waited).toBeGreaterThanOrEqual(defaults.timeouts.approvalTimeoutMs);
    expect(waited).toBeLessThan(defaults.timeouts.approvalTimeoutMs + SLACK_MS);
  });

  it('without ready_to_confirm, polls session/status with backoff for the max duration, then ends unknown', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'never-ready' });
    bank.onStatus = () => bank.session('created'); // "in progress", for ever
    const { result } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_ready');
    });

    expect(result.outcome).toBe('unknown');
    expect(result.errorCode).toBeUndefined();
    const polls = bank.callsTo('status').map((c) => c.atMs);
    const expected = expectedPollOffsets();
    // 30 s, 1, 2, 4, 8 min, then every 15 min to 72 h: ~290 polls.
    expect(polls).toHaveLength(expected.length);
    expect(expected.length).toBeGreaterThan(
      defaults.timeouts.reconcileMaxDurationMs / defaults.timeouts.reconcileMaxIntervalMs,
    );
    const initAt = bank.callsTo('init')[0]!.atMs;
    expect(polls[0]! - initAt).toBeGreaterThanOrEqual(defaults.timeouts.readyTimeoutMs);
    expect(polls[0]! - initAt).toBeLessThan(defaults.timeouts.readyTimeoutMs + SLACK_MS);
    const gaps = polls.slice(1).map((at, i) => at - polls[i]!);
    const expectedGaps = expected.slice(1).map((at, i) => at - expected[i]!);
    // Each gap is the configured one (30 s, 1, 2, 4, 8 min, then 15 min) plus the poll's own real time; the
    // last is cut at the deadline.
    gaps.slice(0, -1).forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expectedGaps[i]!);
      expect(gap).toBeLessThan(expectedGaps[i]! + SLACK_MS);
    });
    expect(Math.max(...gaps)).toBeLessThan(defaults.timeouts.reconcileMaxIntervalMs + SLACK_MS);
    expect(polls.at(-1)! - polls[0]!).toBeLessThan(defaults.timeouts.reconcileMaxDurationMs);
    expect(bank.count('confirm') + bank.count('cancel')).toBe(0);
  });

  it('after a confirm whose payment_finished never comes, learns from session/status that it succeeded 5 h later', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'finished-lost' });
    const settlesAfter = 5 * HOUR;
    bank.onStatus = (call) =>
      call.atMs - bank.callsTo('confirm')[0]!.atMs >= settlesAfter
        ? bank.session('succeeded')
        : bank.session('processing');
    const { result, handle } = await runPayout(bank, async (h) => {
      await reachStep(h, 'awaiting_ready');
      await h.signal(readyToConfirmSignal, bank.webhook('ready_to_confirm', 'ready'));
    });

    expect(result).toMatchObject({ outcome: 'succeeded', sessionId: bank.sessionId });
    expect(result.cancelReason).toBeUndefined();
    const confirmAt = bank.callsTo('confirm')[0]!.atMs;
    const polls = bank.callsTo('status').map((c) => c.atMs - confirmAt);
    expect(bank.counts()).toEqual({ tokenize: 1, init: 1, confirm: 1, status: polls.length });
    // First poll when payment_finished is overdue; the last one is the first after the bank settled.
    expect(polls[0]).toBeGreaterThanOrEqual(defaults.timeouts.finishTimeoutMs);
    expect(polls[0]).toBeLessThan(defaults.timeouts.finishTimeoutMs + SLACK_MS);
    expect(polls.at(-1)).toBeGreaterThanOrEqual(settlesAfter);
    expect(polls.at(-1)).toBeLessThan(settlesAfter + defaults.timeouts.reconcileMaxIntervalMs + SLACK_MS);
    expect(polls.at(-2)).toBeLessThan(settlesAfter);
    // awaiting_finish reaches visibility once the payout has waited a minute for the bank, not before.
    const published = await publishedSteps(handle);
    expect(published.map((p) => p.step)).toEqual([
      'awaiting_ready',
      'awaiting_finish',
      'reconciling',
      'succeeded',
    ]);
    const finishPublishedAfter = published[1]!.atMs - confirmAt;
    expect(finishPublishedAfter).toBeGreaterThanOrEqual(60_000);
    expect(finishPublishedAfter).toBeLessThan(60_000 + SLACK_MS);
  });

  it('happy path: ready_to_confirm (delivered twice), confirm, payment_finished → succeeded, no polls', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'happy' });
    const ready = bank.webhook('ready_to_confirm', 'ready');
    const { result, state, handle } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_ready');
      await handle.signal(readyToConfirmSignal, ready);
      await handle.signal(readyToConfirmSignal, ready);
      await reachStep(handle, 'awaiting_finish');
      await handle.signal(paymentFinishedSignal, bank.webhook('payment_finished', 'succeeded'));
    });

    expect(result).toEqual({
      payoutId: bank.request.payoutId,
      outcome: 'succeeded',
      sessionId: bank.sessionId,
      bankPayoutId: `po_${bank.request.payoutId}`,
      returned: false,
    });
    expect(bank.counts()).toEqual({ tokenize: 1, init: 1, confirm: 1 });
    expect(bank.callsTo('confirm')[0]!.input).toEqual({
      workflowId: bank.workflowId,
      sessionId: bank.sessionId,
    });
    // A payout that finishes within a minute of its confirm never publishes awaiting_finish.
    expect((await publishedSteps(handle)).map((p) => p.step)).toEqual(['awaiting_ready', 'succeeded']);
    // No timeout fired: the payout took real time only.
    const { startTime, closeTime } = await handle.describe();
    expect(closeTime!.getTime() - startTime.getTime()).toBeLessThan(60_000);
    expect(state.seenWebhooks).toEqual([
      ready.dedupKey,
      webhookDedupKey('payment_finished', bank.session('succeeded')),
    ]);
    expect(state.events.map((e) => e.kind)).toContain('webhook:ready_to_confirm:duplicate');
  });
});

describe('balance before commitment (time-skipping)', () => {
  it('a wallet that never covers the payout: awaiting_funds with backoff for 24 h, then insufficient_funds, nothing initiated', async () => {
    const methods = defaults.methods!;
    expect(methods).toMatchObject({
      balanceCheck: true,
      fundsWaitInitialIntervalMs: ms('1m'),
      fundsWaitMaxIntervalMs: ms('30m'),
      fundsWaitMaxDurationMs: ms('24h'),
    });
    const bank = new FakeBank({ amount: 150_000, name: 'no-funds' });
    bank.walletBalance = 149_999;
    const { result, state, handle } = await runPayout(bank, (h) => reachStep(h, 'awaiting_funds'));
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'insufficient_funds' });
    expect(bank.counts()).toEqual({});
    // The first read rides in the start's local activity.
    expect(bank.balanceReads.map((r) => r.local)).toEqual(bank.balanceReads.map((_, i) => i === 0));
    const startedAt = (await handle.describe()).startTime.getTime();
    const times = bank.balanceReads.map((r) => (r.local ? startedAt : r.atMs));
    const reads = times.map((t) => t - times[0]!);
    // 1, 2, 4, 8, 16 min, then every 30 min, for 24 h.
    expect(reads.slice(0, 7)).toEqual(
      [0, 1, 3, 7, 15, 31, 61].map((m) => expect.closeTo(m * 60_000, -4) as unknown),
    );
    expect(reads.at(-1)).toBeGreaterThanOrEqual(ms('24h') - ms('30m'));
    expect(state.funds).toMatchObject({ balance: 149_999, checks: reads.length });
  });

  it('a balance that drops after the check: init refused for the wallet, awaiting_funds again, then a new init (new key) paid once', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'funds-dropped' });
    bank.onInit = () => {
      if (bank.count('init') === 1) {
        bank.walletBalance = 100_000; // spent elsewhere between our check and our init
        throw bank.refusal('init', 'insufficient_wallet_balance');
      }
      return { kind: 'initiated', session: bank.session('created') };
    };
    const { result, state } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_funds');
      bank.walletBalance = 1_000_000; // topped up
      await env.sleep('5m');
      await reachStep(handle, 'awaiting_ready');
      await handle.signal(readyToConfirmSignal, bank.webhook('ready_to_confirm', 'ready'));
      await reachStep(handle, 'awaiting_finish');
      await handle.signal(paymentFinishedSignal, bank.webhook('payment_finished', 'succeeded'));
    });
    expect(result).toMatchObject({ outcome: 'succeeded', sessionId: bank.sessionId });
    expect(bank.counts()).toEqual({ tokenize: 1, init: 2, confirm: 1 });
    const [first, second] = bank.callsTo('init');
    // The refused init's key is spent at the bank: the second init is a new request with its own key.
    expect(first!.input).not.toHaveProperty('attempt');
    expect(second!.input).toMatchObject({ attempt: 2 });
    // It waited (the funds interval) and read the balance again before the new init.
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(defaults.methods!.fundsWaitInitialIntervalMs);
    const rereads = bank.balanceReads.filter((r) => !r.local && r.atMs > first!.atMs);
    expect(rereads.length).toBeGreaterThanOrEqual(1);
    expect(state.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['bank:init_refused:insufficient_wallet_balance', 'funds:available']),
    );
  });

  it('a balance that drops after the check and never recovers: insufficient_funds after 24 h, one init', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'funds-gone' });
    bank.onInit = () => {
      bank.walletBalance = 0;
      throw bank.refusal('init', 'insufficient_wallet_balance');
    };
    const { result, state, handle } = await runPayout(bank, (h) => reachStep(h, 'awaiting_funds'));
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'insufficient_funds' });
    expect(bank.counts()).toEqual({ tokenize: 1, init: 1 });
    const { closeTime } = await handle.describe();
    const refusedAt = bank.callsTo('init')[0]!.atMs;
    expect(closeTime!.getTime() - refusedAt).toBeGreaterThanOrEqual(ms('24h'));
    expect(closeTime!.getTime() - refusedAt).toBeLessThan(ms('24h') + ms('31m'));
    expect(state.funds).toMatchObject({ balance: 0 });
  });
});

describe('ambiguous answers and strange sessions (time-skipping)', () => {
  it("a confirm the bank refused while still awaiting it: cancels, and says cancelled only on the bank's word", async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'confirm-refused' });
    bank.onConfirm = () => ({
      ...bank.session('ready'),
      refusal: { kind: 'rejected', code: 'insufficient_wallet_balance', description: 'top up' },
    });
    const { result, state } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_ready');
      await handle.signal(readyToConfirmSignal, bank.webhook('ready_to_confirm', 'ready'));
    });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'confirm_rejected' });
    expect(result.bankError).toMatchObject({
      endpoint: 'session/confirm',
      code: 'insufficient_wallet_balance',
    });
    expect(state.bankError?.description).toBe('top up');
    expect(bank.counts()).toEqual({ tokenize: 1, init: 1, confirm: 1, cancel: 1 });
  });

  it("init's answer lost: adopts the webhook's session only once session/status shows it is ours, never a stray one", async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'init-lost' });
    bank.onInit = () => ({ kind: 'already_initiated' });
    // A signed webhook naming our workflow for a session the bank's own status shows is somebody else's.
    const stray = { ...bank.session('ready'), sessionId: 'ps_stray' };
    const strayAtTheBank = { ...stray, payout: { ...stray.payout!, metadata: 'payout-somebody-else' } };
    bank.onStatus = (call) => {
      if ((call.input as { sessionId: string }).sessionId === 'ps_stray') return strayAtTheBank;
      return bank.count('confirm') > 0 ? bank.session('succeeded') : bank.session('ready');
    };
    const strayWebhook = {
      type: 'ready_to_confirm',
      session: stray,
      dedupKey: webhookDedupKey('ready_to_confirm', stray),
      receivedAt: new Date().toISOString(),
    };
    const { result, state } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_ready');
      await handle.signal(readyToConfirmSignal, strayWebhook);
      await handle.signal(readyToConfirmSignal, bank.webhook('ready_to_confirm', 'ready'));
    });
    expect(result).toMatchObject({ outcome: 'succeeded', sessionId: bank.sessionId });
    expect(bank.callsTo('confirm').map((c) => c.input)).toEqual([
      { workflowId: bank.workflowId, sessionId: bank.sessionId },
    ]);
    const kinds = state.events.map((e) => `${e.kind} ${e.detail ?? ''}`);
    expect(kinds).toContain('bank:session_not_ours ps_stray');
    expect(kinds).toContain(`bank:session_verified ${bank.sessionId}`);
  });

  it('an unreadable webhook makes it ask the bank at once, not after the 30 min ready timeout', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'unreadable' });
    bank.onStatus = () => (bank.count('confirm') > 0 ? bank.session('succeeded') : bank.session('ready'));
    const { result } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_ready');
      await handle.signal(webhookUnreadableSignal, { receivedAt: new Date().toISOString() });
      await reachStep(handle, 'awaiting_finish');
      await handle.signal(paymentFinishedSignal, bank.webhook('payment_finished', 'succeeded'));
    });
    expect(result.outcome).toBe('succeeded');
    const [init] = bank.callsTo('init');
    const [firstPoll] = bank.callsTo('status');
    expect(firstPoll!.atMs - init!.atMs).toBeLessThan(60_000);
    expect(defaults.timeouts.readyTimeoutMs).toBeGreaterThan(60_000);
  });

  it('a bank that states no recipient we can check: an operator decides; nobody does, so it cancels after 3 h', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'unverifiable' });
    const ready = bank.session('ready');
    ready.payout = { ...ready.payout!, recipientToken: undefined, recipientMaskedAccount: undefined };
    const { result, state } = await runPayout(bank, async (handle) => {
      await reachStep(handle, 'awaiting_ready');
      await handle.signal(readyToConfirmSignal, {
        type: 'ready_to_confirm',
        session: ready,
        dedupKey: webhookDedupKey('ready_to_confirm', ready),
        receivedAt: new Date().toISOString(),
      });
      await reachStep(handle, 'awaiting_approval');
    });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'approval_timeout' });
    expect(state.decision).toMatchObject({ action: 'await_approval' });
    expect(bank.counts()).toEqual({ tokenize: 1, init: 1, cancel: 1 });
  });
});

describe('webhook inbox workflow (time-skipping)', () => {
  it('keeps unmatched webhooks, ignores a redelivery, and closes after its quiet period', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'inbox' });
    const webhook = { ...bank.webhook('payment_finished', 'succeeded'), reason: 'no running payout' };
    const quietMs = ms(QUIET_PERIOD);
    const { state, lastSignalAt, closedAt } = await withWorker(bank, async (taskQueue) => {
      const handle = await env.client.workflow.start(WEBHOOK_INBOX_WORKFLOW_TYPE, {
        workflowId: `webhook-inbox-${bank.sessionId}`,
        taskQueue,
        args: [{ sessionId: bank.sessionId }],
      });
      await handle.signal(unmatchedWebhookSignal, webhook);
      await env.sleep(quietMs - HOUR); // not quiet long enough yet
      await handle.signal(unmatchedWebhookSignal, webhook); // the bank redelivers
      const signalledAt = await env.currentTimeMs();
      const inbox = (await handle.result()) as WebhookInboxState;
      const closeTime = (await handle.describe()).closeTime;
      return { state: inbox, lastSignalAt: signalledAt, closedAt: closeTime?.getTime() ?? 0 };
    });

    expect(state.sessionId).toBe(bank.sessionId);
    expect(state.webhooks).toEqual([webhook]);
    // The redelivery restarted the quiet period.
    expect(closedAt - lastSignalAt).toBeGreaterThanOrEqual(quietMs);
    expect(closedAt - lastSignalAt).toBeLessThan(quietMs + SLACK_MS);
  });
});

describe('returns workflow (time-skipping)', () => {
  it('attaches a return the bank confirms, and closes 30 days after the last refund webhook', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'returns' });
    const returned = bank.session('succeeded');
    returned.payout = {
      ...returned.payout!,
      refunds: [{ id: 'rf_1', status: 'accepted', amount: bank.request.amount }],
    };
    bank.onStatus = () => returned;
    const refund = {
      type: 'payment_refunded',
      session: returned,
      dedupKey: webhookDedupKey('payment_refunded', returned),
      receivedAt: new Date().toISOString(),
    };
    const quietMs = ms(RETURNS_QUIET_PERIOD);
    const { state, lastSignalAt, closedAt } = await withWorker(bank, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart<PayoutReturnsWorkflow, [WebhookSignal]>(
        PAYOUT_RETURNS_WORKFLOW_TYPE,
        {
          workflowId: payoutReturnsWorkflowId(bank.workflowId),
          taskQueue,
          args: [
            { payoutWorkflowId: bank.workflowId, payoutId: bank.request.payoutId, sessionId: bank.sessionId },
          ],
          signal: paymentRefundedSignal,
          signalArgs: [refund],
        },
      );
      await env.sleep(quietMs - HOUR); // not quiet long enough yet
      await handle.signal(paymentRefundedSignal, refund); // the bank redelivers
      const signalledAt = await env.currentTimeMs();
      const result = await handle.result();
      const closeTime = (await handle.describe()).closeTime;
      return { state: result, lastSignalAt: signalledAt, closedAt: closeTime?.getTime() ?? 0 };
    });

    expect(state.returns).toEqual([
      expect.objectContaining({ refundId: 'rf_1', amount: bank.request.amount, confirmedByStatus: true }),
    ]);
    expect(state.foreign).toEqual([]);
    expect(bank.count('status')).toBe(1); // the redelivery was recognised and not checked again
    expect(closedAt - lastSignalAt).toBeGreaterThanOrEqual(quietMs);
    expect(closedAt - lastSignalAt).toBeLessThan(quietMs + SLACK_MS);
  });
});
