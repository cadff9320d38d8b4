/**
 * Backend callbacks at their production schedule on the time-skipping server: the payout ends without
 * waiting for the backend, the delivery retries 1 s doubling to 10 min while the backend is down (here for
 * 2 h), is accepted exactly once when it is back, and gives up, loudly, only after 3 days.
 */
import { Context } from '@temporalio/activity';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CallbackActivities } from '../../activities/types';
import type { CallbackEvent } from '../../client/callbacks';
import { requestHash } from '../../policy/payout-request';
import {
  CALLBACK_RETRY,
  backendCallbackWorkflowId,
  type BackendCallbackState,
} from '../../workflows/backend-callback';
import {
  PAYOUT_WORKFLOW_TYPE,
  paymentFinishedSignal,
  readyToConfirmSignal,
  statusQuery,
  type PayoutResult,
  type PayoutState,
} from '../../workflows/messages';
import { startTimeSkippingEnv } from './time-skipping-env';
import { FakeBank } from './stub-activities';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let queues = 0;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A backend that refuses every attempt scheduled before `upAtMs` (server clock), then answers 204. */
class FakeBackend {
  upAtMs = Number.POSITIVE_INFINITY;
  readonly attempts: { atMs: number; event: CallbackEvent; ok: boolean }[] = [];
  activities(): CallbackActivities {
    return {
      deliverCallback: ({ event }) => {
        const atMs = Context.current().info.currentAttemptScheduledTimestampMs;
        const ok = atMs >= this.upAtMs;
        this.attempts.push({ atMs, event, ok });
        return ok ? Promise.resolve({ httpStatus: 204 }) : Promise.reject(new Error('backend unreachable'));
      },
    };
  }
}

/** When attempts should happen, as offsets from the first: 1 s doubling to 10 min. */
function expectedOffsets(untilMs: number): number[] {
  const offsets = [0];
  let interval = CALLBACK_RETRY.initialMs;
  while (offsets.at(-1)! + interval <= untilMs) {
    offsets.push(offsets.at(-1)! + interval);
    interval = Math.min(interval * 2, CALLBACK_RETRY.maxIntervalMs);
  }
  return offsets;
}

async function payoutWithBackend(bank: FakeBank, backend: FakeBackend) {
  queues += 1;
  const taskQueue = `callbacks-${queues}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: { ...bank.activities(), ...backend.activities() },
  });
  return worker.runUntil(
    (async () => {
      const handle = await env.client.workflow.start(PAYOUT_WORKFLOW_TYPE, {
        workflowId: bank.workflowId,
        taskQueue,
        args: [{ request: bank.request, requestHash: requestHash(bank.request) }],
      });
      await waitForStep(() => handle.query(statusQuery), 'awaiting_ready');
      await handle.signal(readyToConfirmSignal, bank.webhook('ready_to_confirm', 'ready'));
      await waitForStep(() => handle.query(statusQuery), 'awaiting_finish');
      await handle.signal(paymentFinishedSignal, bank.webhook('payment_finished', 'succeeded'));
      const result = (await handle.result()) as PayoutResult;
      const finishedAtMs = await env.currentTimeMs();
      const state = await handle.query(statusQuery);
      const delivery = env.client.workflow.getHandle(
        backendCallbackWorkflowId(`${bank.workflowId}#finished`),
      );
      // Awaiting the delivery's result is what lets the server skip time through its backoff.
      const delivered = (await delivery.result()) as BackendCallbackState;
      return { result, state, finishedAtMs, delivered };
    })(),
  );
}

async function waitForStep(query: () => Promise<PayoutState>, step: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await query()).step !== step) {
    if (Date.now() > deadline) throw new Error(`never reached ${step}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('backend callbacks (time-skipping)', () => {
  it('the payout ends at once; a backend down for 2 h gets the event once when it is back', async () => {
    const bank = new FakeBank({ amount: 150_000, name: 'callback-down-2h' });
    (bank.settings as { backendCallbacks?: boolean }).backendCallbacks = true;
    const backend = new FakeBackend();
    backend.upAtMs = (await env.currentTimeMs()) + 2 * HOUR;

    const { result, state, delivered } = await payoutWithBackend(bank, backend);
    expect(result.outcome).toBe('succeeded');
    expect(state.callbacks).toEqual([
      {
        eventId: `${bank.workflowId}#finished`,
        type: 'payout.finished',
        workflowId: backendCallbackWorkflowId(`${bank.workflowId}#finished`),
      },
    ]);
    const first = backend.attempts[0]!.atMs;
    const offsets = backend.attempts.map((a) => a.atMs - first);
    const expected = expectedOffsets(backend.upAtMs - first + CALLBACK_RETRY.maxIntervalMs).filter(
      (t, i, all) => i === 0 || all[i - 1]! < backend.upAtMs - first,
    );
    expect(offsets).toHaveLength(expected.length);
    offsets.forEach((t, i) => expect(Math.abs(t - expected[i]!)).toBeLessThan(2_000));
    expect(backend.attempts.filter((a) => a.ok)).toHaveLength(1);
    expect(backend.attempts.at(-1)).toMatchObject({ ok: true });
    expect(new Set(backend.attempts.map((a) => a.event.id))).toEqual(
      new Set([`${bank.workflowId}#finished`]),
    );
    expect(backend.attempts[0]!.event.data).toMatchObject({ outcome: 'succeeded', amount: 150_000 });
    expect(delivered).toMatchObject({
      delivered: true,
      gaveUp: false,
      attemptCount: backend.attempts.length,
    });
    expect(delivered.attempts.length).toBeLessThanOrEqual(20);
  });
});
