/**
 * Operators racing each other on the real server: approve and reject sent at the same moment to payouts
 * awaiting approval. The first decision wins, the second is refused with a clear error, and what the
 * operator was told always agrees with what happened to the money.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutWorkflowId } from '../../policy/payout-request';
import { OperatorIdentityError, PayoutActionRejectedError } from '../../client/payouts';
import { LOCAL_BACKEND_IDENTITY, type LocalStack } from '../../harness/local-stack';
import { approveUpdate, cancelUpdate, type OperatorAction } from '../../workflows/messages';
import { accountRequest, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function awaitingApproval(prefix: string): Promise<string> {
  const payoutId = uniquePayoutId(prefix);
  await stack.payouts.startPayout(accountRequest(payoutId, stack.settings.policy.approvalThreshold + 100));
  await waitFor(async () => {
    const { state } = await stack.payouts.getPayout(payoutId);
    return state.step === 'awaiting_approval' ? true : undefined;
  }, 'awaiting_approval');
  return payoutId;
}

describe('operator decisions', () => {
  it("approve and reject at the same moment: exactly one wins, and the outcome is the winner's", async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => awaitingApproval('race')));
    for (const payoutId of ids) {
      const [approve, reject] = await Promise.allSettled([
        stack.payouts.asOperator('alice').approve(payoutId),
        stack.payouts.asOperator('bob').reject(payoutId),
      ]);
      const won = [approve, reject].filter((r) => r.status === 'fulfilled');
      const lost = [approve, reject].filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const refusal = (lost[0] as PromiseRejectedResult).reason as Error;
      expect(refusal).toBeInstanceOf(PayoutActionRejectedError);
      expect(refusal.message).toMatch(/already decided: (approved by alice|rejected by bob)/);
      const result = await stack.payouts.result(payoutId);
      const confirms = stack.simulator.ledger.confirmsProcessed(payoutWorkflowId(payoutId));
      if (approve.status === 'fulfilled') {
        expect(result.outcome).toBe('succeeded');
        expect(confirms).toBe(1);
      } else {
        expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'approval_rejected' });
        expect(confirms).toBe(0);
      }
    }
  });

  it('a cancel after an approval is refused, and an approval after a cancel request too', async () => {
    const approved = await awaitingApproval('approve-then-cancel');
    await stack.payouts.asOperator('alice').approve(approved);
    await expect(stack.payouts.asOperator('carol').cancel(approved)).rejects.toThrow(
      /already decided: approved by alice|can only be cancelled before it is confirmed|already finished/,
    );
    const cancelled = await awaitingApproval('cancel-then-approve');
    await stack.payouts.asOperator('carol').cancel(cancelled);
    await expect(stack.payouts.asOperator('alice').approve(cancelled)).rejects.toBeInstanceOf(
      PayoutActionRejectedError,
    );
    expect((await stack.payouts.result(cancelled)).cancelReason).toBe('operator');
  });
});

describe('operator identity', () => {
  it('an Update sent without the client, with a missing or blank identity, is refused by the workflow', async () => {
    const payoutId = await awaitingApproval('no-identity');
    const handle = stack.client.workflow.getHandle(payoutWorkflowId(payoutId));
    for (const action of [{}, { by: '' }, { by: '   ' }, { by: 'alice\u0000' }] as OperatorAction[]) {
      const refused = await handle.executeUpdate(approveUpdate, { args: [action] }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(
        /operator must be identified|control characters/,
      );
    }
    const cancel = await handle.executeUpdate(cancelUpdate, { args: [{ by: ' ' }] }).catch((e: unknown) => e);
    expect((cancel as WorkflowUpdateFailedError).cause?.message).toMatch(/operator must be identified/);
    // Nothing was decided: a real operator still can.
    const view = await stack.payouts.asOperator('alice').approve(payoutId);
    expect(view.approval).toMatchObject({ decision: 'approved', by: 'alice' });
  });

  it('the client sends its configured identity, and refuses to act without one', async () => {
    const payoutId = await awaitingApproval('client-identity');
    await expect(stack.payouts.asOperator('').reject(payoutId)).rejects.toBeInstanceOf(OperatorIdentityError);
    const view = await stack.payouts.asOperator('bob@ops').reject(payoutId, { comment: 'not ours' });
    expect(view.approval).toMatchObject({ decision: 'rejected', by: 'bob@ops', comment: 'not ours' });
  });
});

describe('four-eyes rule', () => {
  it('the identity that started a payout cannot approve it; another operator can', async () => {
    const payoutId = await awaitingApproval('four-eyes');
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(state.step).toBe('awaiting_approval');
    // The stack's client started it, as LOCAL_BACKEND_IDENTITY; the same identity, in any case, is refused.
    for (const starter of [LOCAL_BACKEND_IDENTITY, LOCAL_BACKEND_IDENTITY.toUpperCase()]) {
      const refusal = stack.payouts.asOperator(starter).approve(payoutId);
      await expect(refusal).rejects.toBeInstanceOf(PayoutActionRejectedError);
      await expect(refusal).rejects.toThrow(/four-eyes rule: .* started this payout and cannot approve it/);
    }
    const view = await stack.payouts.asOperator('alice').approve(payoutId);
    expect(view.approval).toMatchObject({ decision: 'approved', by: 'alice' });
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    expect(stack.simulator.ledger.confirmsProcessed(payoutWorkflowId(payoutId))).toBe(1);
  });

  it('the starter may reject or cancel its own payout', async () => {
    const payoutId = await awaitingApproval('four-eyes-reject');
    await stack.payouts.reject(payoutId);
    expect(await stack.payouts.result(payoutId)).toMatchObject({
      outcome: 'cancelled',
      cancelReason: 'approval_rejected',
    });
  });
});
