/**
 * Defense in depth: a payout workflow started without our client (the Temporal CLI, the UI, anyone who
 * reaches the frontend) checks its own input with the client's rules before any bank call.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../harness/local-stack';
import { payoutWorkflowId, requestHash } from '../../policy/payout-request';
import { PAYOUT_WORKFLOW_TYPE, type PayoutRequest, type PayoutWorkflow } from '../../workflows/messages';
import { accountRequest, startTestStack, uniquePayoutId } from '../helpers/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function startDirectly(request: PayoutRequest, opts: { hash?: string; workflowId?: string } = {}) {
  const workflowId = opts.workflowId ?? payoutWorkflowId(request.payoutId);
  const handle = await stack.client.workflow.start<PayoutWorkflow>(PAYOUT_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: stack.temporal.taskQueue,
    args: [{ request, requestHash: opts.hash ?? requestHash(request) }],
  });
  const failure = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  const bankSawIt = stack.simulator.ledger.entries.some(
    (e) => e.kind === 'request' && e.workflowId === workflowId,
  );
  return { failure, bankSawIt };
}

describe('a payout started without the client', () => {
  it('with a 2-digit BIK and a negative amount: fails before any bank call, naming every problem', async () => {
    const valid = accountRequest(uniquePayoutId('direct-bad')) as PayoutRequest;
    const bad: PayoutRequest = {
      ...valid,
      amount: -100,
      recipient: { kind: 'account', bik: '12', account: '40817810099910004312', fullName: 'X' },
    };
    const { failure, bankSawIt } = await startDirectly(bad);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const message = String((failure as WorkflowFailedError).cause?.message);
    expect(message).toMatch(/invalid payout request/);
    expect(message).toMatch(/amount/);
    expect(message).toMatch(/recipient\.bik/);
    expect(bankSawIt).toBe(false);
  });

  it("above the worker's limit: fails before any bank call", async () => {
    const request = accountRequest(uniquePayoutId('direct-limit'), stack.settings.policy.maxAmount + 1);
    const { failure, bankSawIt } = await startDirectly(request);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/above the limit/);
    expect(bankSawIt).toBe(false);
  });

  it('with a hash that is not its own, or under another workflow ID: fails before any bank call', async () => {
    const a = accountRequest(uniquePayoutId('direct-hash')) as PayoutRequest;
    const wrongHash = await startDirectly(a, { hash: '0'.repeat(64) });
    expect(String((wrongHash.failure as WorkflowFailedError).cause?.message)).toMatch(/requestHash/);
    expect(wrongHash.bankSawIt).toBe(false);
    const b = accountRequest(uniquePayoutId('direct-id')) as PayoutRequest;
    const otherId = await startDirectly(b, { workflowId: payoutWorkflowId(`${b.payoutId}-other`) });
    expect(String((otherId.failure as WorkflowFailedError).cause?.message)).toMatch(/workflow ID/);
    expect(otherId.bankSawIt).toBe(false);
  });
});
