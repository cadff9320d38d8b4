/**
 * Temporal's user metadata tells the payout's story on a real dev server: the static summary and details
 * set at start, the current details the workflow keeps up to date, and the summaries of its activities and
 * timers, all encrypted by the codec in Temporal and readable through it.
 */
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, parseCodecKeys } from '../../codec/aes-gcm-codec';
import type { LocalStack } from '../../harness/local-stack';
import { payoutWorkflowId } from '../../policy/payout-request';
import {
  accountRequest,
  FAST_SETTINGS,
  startTestStack,
  TEST_CODEC_KEYS,
  uniquePayoutId,
  waitFor,
} from '../helpers/stack';

const codec = new AesGcmPayloadCodec(parseCodecKeys(TEST_CODEC_KEYS));
async function decode(payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return undefined;
  const [plain] = await codec.decode([payload]);
  return defaultPayloadConverter.fromPayload(plain!);
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    settings: { ...FAST_SETTINGS, timeouts: { ...FAST_SETTINGS.timeouts, approvalTimeoutMs: 120_000 } },
  });
});
afterAll(() => stack?.stop());

interface WorkflowMetadata {
  currentDetails?: string;
}

describe('Temporal UI metadata', () => {
  it('static summary and details, current details while it waits, summaries on activities and timers', async () => {
    const payoutId = uniquePayoutId('ui-meta');
    const workflowId = payoutWorkflowId(payoutId);
    await stack.payouts.startPayout({ ...accountRequest(payoutId), amount: 15_000_000 });
    const handle = stack.client.workflow.getHandle(workflowId);

    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`150 000.00 RUB to 40817***4312 · payout ${payoutId}`);
    expect(await description.staticDetails()).toContain(`**Payout ID:** ${payoutId}`);
    // Stored encrypted, like every payload.
    const stored = description.raw.executionConfig?.userMetadata?.summary;
    expect(new TextDecoder().decode(stored?.metadata?.encoding ?? new Uint8Array())).toBe(ENCRYPTED_ENCODING);

    const waiting = await waitFor(async () => {
      const meta = await handle.query<WorkflowMetadata>('__temporal_workflow_metadata');
      return meta.currentDetails?.includes('awaiting_approval') ? meta.currentDetails : undefined;
    }, 'current details while awaiting approval');
    expect(waiting).toMatch(/^\*\*Step:\*\* awaiting_approval since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(waiting).toContain('**Waiting for:** an operator to approve or reject');
    expect(waiting).toContain('**Decision:** await_approval');

    await stack.payouts.asOperator('alice').approve(payoutId);
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    const done = await handle.query<WorkflowMetadata>('__temporal_workflow_metadata');
    expect(done.currentDetails).toContain('**Outcome:** succeeded');
    expect(done.currentDetails).toContain('**Approval:** approved by alice');

    const history = await handle.fetchHistory();
    const activitySummaries: unknown[] = [];
    const timerSummaries: unknown[] = [];
    for (const event of history.events ?? []) {
      if (event.activityTaskScheduledEventAttributes)
        activitySummaries.push(await decode(event.userMetadata?.summary));
      if (event.timerStartedEventAttributes) timerSummaries.push(await decode(event.userMetadata?.summary));
    }
    const { sessionId } = (await stack.payouts.getPayout(payoutId)).state;
    expect(activitySummaries).toEqual(
      expect.arrayContaining([
        'tokenize the bank account',
        'init payout session for 150 000.00 RUB',
        `confirm session ${sessionId}`,
      ]),
    );
    expect(timerSummaries).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^wait for ready_to_confirm, /),
        'wait for an operator to approve or reject, 2 min',
      ]),
    );
    // Nothing of it in plaintext in the raw history.
    const raw = historyToJSON(
      await new Client({ connection: stack.connection }).workflow.getHandle(workflowId).fetchHistory(),
    );
    for (const plain of ['confirm session', 'wait for ready_to_confirm', '40817***4312'])
      expect(raw).not.toContain(plain);
  });
});
