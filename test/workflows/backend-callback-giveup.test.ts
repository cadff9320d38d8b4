/**
 * The delivery of a backend callback gives up, loudly, once its retry period ends. In its own file (its own
 * time-skipping server): after a payout test in the same environment, this server stopped skipping time.
 */
import { Context } from '@temporalio/activity';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CallbackActivities } from '../../activities/types';
import type { CallbackEvent } from '../../client/callbacks';
import {
  CALLBACK_RETRY,
  backendCallbackWorkflowId,
  type BackendCallbackState,
} from '../../workflows/backend-callback';
import { startTimeSkippingEnv } from './time-skipping-env';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let queues = 0;

beforeAll(async () => {
  env = await startTimeSkippingEnv({ searchAttributes: false });
});
afterAll(async () => {
  await env?.teardown();
});

/** A backend that never answers. */
class FakeBackend {
  readonly attempts: { atMs: number; ok: boolean }[] = [];
  activities(): CallbackActivities {
    return {
      deliverCallback: () => {
        this.attempts.push({ atMs: Context.current().info.currentAttemptScheduledTimestampMs, ok: false });
        return Promise.reject(new Error('backend unreachable'));
      },
    };
  }
}

describe('backend callback delivery (time-skipping)', () => {
  it('a backend that never answers: retried until the retry period ends, then the delivery gives up', async () => {
    // The production period is 3 days (~435 attempts at the 10 min cap); the test server takes real seconds
    // per attempt, so this runs the same code with a 2 h period.
    const backend = new FakeBackend();
    queues += 1;
    const taskQueue = `callbacks-${queues}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: backend.activities(),
    });
    const event: CallbackEvent = {
      id: 'payout-x#finished',
      type: 'payout.finished',
      payoutId: 'x',
      data: {},
    };
    // start + result (not execute): awaiting the result is what lets the test server skip time.
    const delivered = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('backendCallbackWorkflow', {
        workflowId: backendCallbackWorkflowId(event.id),
        taskQueue,
        args: [{ event, retry: { maxDurationMs: 2 * HOUR } }],
      });
      return (await handle.result()) as BackendCallbackState;
    });
    const span = backend.attempts.at(-1)!.atMs - backend.attempts[0]!.atMs;
    expect(span).toBeGreaterThan(2 * HOUR - CALLBACK_RETRY.maxIntervalMs - 60_000);
    expect(span).toBeLessThanOrEqual(2 * HOUR);
    expect(backend.attempts.every((a) => !a.ok)).toBe(true);
    expect(delivered).toMatchObject({
      delivered: false,
      gaveUp: true,
      attemptCount: backend.attempts.length,
    });
    expect(delivered.attempts).toHaveLength(20);
    expect(delivered.attempts[0]).toMatchObject({ ok: false, error: 'backend unreachable' });
  });
});
