/**
 * Returns after a payout finished, end to end: a signed `payment_refunded` for a payout that already
 * succeeded reaches its returns workflow through the gateway, is checked against `session/status`, and is
 * visible from the client and in visibility (`PayoutReturned = true`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutWorkflowId } from '../../policy/payout-request';
import type { LocalStack } from '../../harness/local-stack';
import { payoutReturnsWorkflowId } from '../../workflows/messages';
import { accountRequest, recordHistory, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';
import { refundedWebhook, sendWebhook } from '../helpers/webhooks';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function succeededPayout(prefix: string) {
  const payoutId = uniquePayoutId(prefix);
  await stack.payouts.startPayout(accountRequest(payoutId));
  const result = await stack.payouts.result(payoutId);
  expect(result.outcome).toBe('succeeded');
  const { state } = await stack.payouts.getPayout(payoutId);
  return { payoutId, workflowId: payoutWorkflowId(payoutId), state };
}

const send = (body: unknown) => sendWebhook(stack, body);

describe('returns after a payout finished', () => {
  it('attaches a refund to its payout: client, visibility, dedup, and foreign sessions kept apart', async () => {
    const a = await succeededPayout('returned');
    const refund = refundedWebhook({
      sessionId: a.state.sessionId!,
      bankPayoutId: a.state.bankPayoutId!,
      metadata: a.workflowId,
      amount: a.state.amount,
      refundId: 'rf_1',
    });
    expect(await send(refund)).toBe(200);

    const view = await waitFor(async () => {
      const v = await stack.payouts.getPayout(a.payoutId);
      return v.returns?.returns.length ? v : undefined;
    }, 'the return to be attached');
    expect(view.returned).toBe(true);
    expect(view.state.returned).toBe(true);
    expect(view.state.outcome).toBe('succeeded');
    expect(view.returns).toMatchObject({
      payoutId: a.payoutId,
      payoutWorkflowId: a.workflowId,
      sessionId: a.state.sessionId,
      foreign: [],
    });
    expect(view.returns!.returns).toHaveLength(1);
    const [ret] = view.returns!.returns;
    expect(ret).toMatchObject({
      refundId: 'rf_1',
      status: 'accepted',
      amount: a.state.amount,
      sessionId: a.state.sessionId,
      // the simulator's session/status does not show refunds
      confirmedByStatus: false,
    });
    expect(Date.parse(ret!.at)).toBeGreaterThan(Date.parse(a.state.updatedAt));

    const found = await waitFor(async () => {
      const ids: string[] = [];
      for await (const wf of stack.client.workflow.list({
        query: `PayoutReturned = true AND PayoutId = "${a.payoutId}"`,
      }))
        ids.push(wf.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, 'the returns workflow in visibility');
    expect(found).toEqual([payoutReturnsWorkflowId(a.workflowId)]);

    // A redelivery, then a refund naming payout A for a session that, by session/status, is payout B's.
    expect(await send(refund)).toBe(200);
    const b = await succeededPayout('other');
    const misdirected = refundedWebhook({
      sessionId: b.state.sessionId!,
      bankPayoutId: b.state.bankPayoutId!,
      metadata: a.workflowId,
      amount: b.state.amount,
      refundId: 'rf_2',
    });
    expect(await send(misdirected)).toBe(200);
    const after = await waitFor(async () => {
      const v = await stack.payouts.getPayout(a.payoutId);
      return v.returns?.foreign.length ? v : undefined;
    }, 'the foreign refund to be recorded');
    // Signals are handled in order: the redelivery came before, and added nothing.
    expect(after.returns!.returns.map((r) => r.refundId)).toEqual(['rf_1']);
    expect(after.returns!.foreign).toHaveLength(1);
    expect(after.returns!.foreign[0]).toMatchObject({
      sessionId: b.state.sessionId,
      refundIds: ['rf_2'],
      sessionWorkflowId: b.workflowId,
    });
    await recordHistory(stack, payoutReturnsWorkflowId(a.workflowId), 'returns-attached-and-foreign');
    // Payout B knows nothing of it, and has no returns workflow.
    const bView = await stack.payouts.getPayout(b.payoutId);
    expect(bView.returned).toBe(false);
    expect(bView.returns).toBeUndefined();
  });
});
