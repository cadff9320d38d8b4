/**
 * Operators racing each other on the real server: approve and reject sent at the same moment to payouts
 * awaiting approval. The first decision wins, the second is refused with a clear error, and what the
 * operator was told always agrees with what happened to the money.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutWorkflowId } from '../../policy/payout-request';
import { PayoutActionRejectedError } from '../../client/payouts';
import type { LocalStack } from '../../harness/local-stack';
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
        stack.payouts.approve(payoutId, { by: 'alice' }),
        stack.payouts.reject(payoutId, { by: 'bob' }),
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
    await stack.payouts.approve(approved, { by: 'alice' });
    await expect(stack.payouts.cancel(approved, { by: 'carol' })).rejects.toThrow(
      /already decided: approved by alice|can only be cancelled before it is confirmed|already finished/,
    );
    const cancelled = await awaitingApproval('cancel-then-approve');
    await stack.payouts.cancel(cancelled, { by: 'carol' });
    await expect(stack.payouts.approve(cancelled, { by: 'alice' })).rejects.toBeInstanceOf(
      PayoutActionRejectedError,
    );
    expect((await stack.payouts.result(cancelled)).cancelReason).toBe('operator');
  });
});
