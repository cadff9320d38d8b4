/**
 * What a payout costs Temporal in history events, against the benchmark's same-shape baseline (one local
 * activity, four activities, two signals, two timers; its "bank" signals after the simulator's delay) run
 * on the same server. Issue 14's budget is baseline + 4. The SDK adds a marker and a `TemporalChangeVersion`
 * upsert for every `patched()` a new run takes; those are counted apart, and every other extra is named.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBaselineActivities } from '../../bench/baseline/activities';
import { historyEventCounts, PATCH_MARKER, PATCH_UPSERT } from '../../bench/history';
import { compareHistories, TARGETS } from '../../bench/report';
import type { LocalStack } from '../../harness/local-stack';
import { payoutWorkflowId } from '../../policy/payout-request';
import { accountRequest, startTestStack, uniquePayoutId } from '../helpers/stack';

/**
 * metadata-run-tag, fewer-search-attribute-upserts, balance-before-init, payout-id-registry, ui-summaries
 * (backend-callbacks only with a callback URL).
 */
const PATCHES_TAKEN_BY_A_SUCCESSFUL_PAYOUT = 5;

/** The test stack's simulator delay (test/helpers/stack.ts): the baseline's bank answers as late. */
const BANK_DELAY_MS = 30;

let stack: LocalStack;
let baseline: { worker: Worker; connection: NativeConnection; run: Promise<void>; taskQueue: string };
beforeAll(async () => {
  stack = await startTestStack({ simulator: { processingDelayMs: BANK_DELAY_MS } });
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const taskQueue = `baseline-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: path.resolve(__dirname, '../../bench/baseline/workflows.ts'),
    activities: createBaselineActivities(stack.client, BANK_DELAY_MS),
  });
  baseline = { worker, connection, run: worker.run(), taskQueue };
});
afterAll(async () => {
  baseline?.worker.shutdown();
  await baseline?.run;
  await baseline?.connection.close();
  await stack?.stop();
});

describe('history events per payout', () => {
  it(`a successful payout: at most ${TARGETS.extraHistoryEvents} events beyond the baseline and the SDK's two per patch, all named`, async () => {
    const payoutId = uniquePayoutId('history-budget');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    const handle = await stack.client.workflow.start('baselineWorkflow', {
      taskQueue: baseline.taskQueue,
      workflowId: `baseline-${randomUUID()}`,
    });
    await handle.result();

    const ours = await historyEventCounts(stack.client, payoutWorkflowId(payoutId));
    const c = compareHistories([ours], [await historyEventCounts(stack.client, handle.workflowId)]);
    const why = JSON.stringify(c.extra);
    const patches = ours[PATCH_MARKER] ?? 0;
    expect(ours[PATCH_UPSERT] ?? 0, why).toBe(patches);
    // Our own search-attribute upserts: the session (for the gateway's lookup), awaiting_finish, the outcome.
    expect(c.extra, why).toEqual([
      { type: PATCH_MARKER, perRun: patches },
      { type: 'UpsertWorkflowSearchAttributes', perRun: 3 },
      { type: PATCH_UPSERT, perRun: patches },
    ]);
    // Recorded here so a new patch is a visible decision: each costs every new payout two events.
    expect(patches, why).toBe(PATCHES_TAKEN_BY_A_SUCCESSFUL_PAYOUT);
    expect(c.ours - c.baseline - 2 * patches, why).toBeLessThanOrEqual(TARGETS.extraHistoryEvents);
  });
});
