/**
 * What a payout costs Temporal in history events, against the benchmark's same-shape baseline (one local
 * activity, four activities, two signals, two timers; its "bank" signals after the simulator's delay) run
 * on the same server, with the production default of reading the wallet balance before init. Issue 14's
 * budget is baseline + 4, everything counted: the SDK adds a marker and a `TemporalChangeVersion` upsert for
 * every `patched()` a new run takes, so a new run takes one (`payout-v2`), and every extra is named.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBaselineActivities } from '../../bench/baseline/activities';
import { historyEventCounts, PATCH_MARKER, PATCH_UPSERT } from '../../bench/history';
import { compareHistories, TARGETS } from '../../bench/report';
import type { LocalStack } from '../../harness/local-stack';
import { payoutWorkflowId } from '../../policy/payout-request';
import {
  accountRequest,
  FAST_METHODS,
  FAST_SETTINGS,
  startTestStack,
  uniquePayoutId,
} from '../helpers/stack';

/** `payout-v2`: it stands for every earlier change (workflows/payout.ts, changesTaken). */
const PATCHES_TAKEN_BY_A_SUCCESSFUL_PAYOUT = 1;

/** The test stack's simulator delay (test/helpers/stack.ts): the baseline's bank answers as late. */
const BANK_DELAY_MS = 30;

let stack: LocalStack;
let baseline: { worker: Worker; connection: NativeConnection; run: Promise<void>; taskQueue: string };
beforeAll(async () => {
  stack = await startTestStack({
    settings: { ...FAST_SETTINGS, methods: FAST_METHODS },
    simulator: { processingDelayMs: BANK_DELAY_MS },
  });
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const taskQueue = `baseline-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: path.resolve(__dirname, '../../bench/baseline/workflows.ts'),
    activities: createBaselineActivities(stack.client),
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
  it(`a successful payout: at most ${TARGETS.extraHistoryEvents} events beyond the baseline, all named`, async () => {
    const payoutId = uniquePayoutId('history-budget');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    // Without our payload codec, which the baseline has not got.
    const plain = new Client({
      connection: stack.client.connection,
      namespace: stack.client.options.namespace,
    });
    const handle = await plain.workflow.start('baselineWorkflow', {
      taskQueue: baseline.taskQueue,
      workflowId: `baseline-${randomUUID()}`,
      args: [{ bankDelayMs: BANK_DELAY_MS }],
    });
    await handle.result();

    const ours = await historyEventCounts(stack.client, payoutWorkflowId(payoutId));
    const c = compareHistories([ours], [await historyEventCounts(stack.client, handle.workflowId)]);
    const why = JSON.stringify(c.extra);
    const patches = ours[PATCH_MARKER] ?? 0;
    expect(ours[PATCH_UPSERT] ?? 0, why).toBe(patches);
    // Our own search-attribute upserts: awaiting_ready with the session (for the gateway's lookup) and the
    // outcome; awaiting_finish is published only when it lasts a minute. The balance read rides in the
    // settings' local activity.
    expect(c.extra, why).toEqual([
      { type: PATCH_MARKER, perRun: patches },
      { type: 'UpsertWorkflowSearchAttributes', perRun: 2 },
      { type: PATCH_UPSERT, perRun: patches },
    ]);
    // Recorded here so a new patch is a visible decision: each costs every new payout two events.
    expect(patches, why).toBe(PATCHES_TAKEN_BY_A_SUCCESSFUL_PAYOUT);
    expect(c.ours - c.baseline, why).toBeLessThanOrEqual(TARGETS.extraHistoryEvents);
  });
});
