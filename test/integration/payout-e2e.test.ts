/**
 * Payouts end to end on the real Temporal dev server: worker → signed HTTP → Bank 131 simulator → signed
 * webhooks → gateway → signals. Asserts outcomes and, from the simulator's ledger, that money moved once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPayoutRequestError, payoutWorkflowId } from '../../policy/payout-request';
import { OperatorIdentityError, PayoutActionRejectedError, PayoutConflictError } from '../../client/payouts';
import type { LocalStack } from '../../harness/local-stack';
import {
  accountRequest,
  recordHistory,
  startTestStack,
  uniquePayoutId,
  waitFor,
  tokenizeDirectly,
} from '../helpers/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const ledgerOf = (payoutId: string) => stack.simulator.ledger.summaryFor(payoutWorkflowId(payoutId));

async function run(
  prefix: string,
  opts: { scenario?: Parameters<LocalStack['simulator']['setScenario']>[1]; amount?: number } = {},
) {
  const payoutId = uniquePayoutId(prefix);
  if (opts.scenario) stack.simulator.setScenario(payoutWorkflowId(payoutId), opts.scenario);
  await stack.payouts.startPayout(accountRequest(payoutId, opts.amount));
  const result = await stack.payouts.result(payoutId);
  const { state } = await stack.payouts.getPayout(payoutId);
  await recordHistory(stack, payoutWorkflowId(payoutId), prefix);
  return { payoutId, result, state, ledger: ledgerOf(payoutId) };
}

describe('payout workflow end to end', () => {
  it('succeeds: tokenize, init, ready_to_confirm, confirm, payment_finished', async () => {
    const { result, state, ledger } = await run('success');
    expect(result).toMatchObject({ outcome: 'succeeded', returned: false });
    expect(result.sessionId).toMatch(/^ps_/);
    expect(result.bankPayoutId).toMatch(/^po_/);
    expect(state.decision?.action).toBe('confirm');
    expect(state.recipientMaskedAccount).toBe('40817***4312');
    expect(state.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        'step:tokenizing',
        'step:initiating',
        'webhook:ready_to_confirm',
        'step:confirming',
        'webhook:payment_finished',
        'finished:succeeded',
      ]),
    );
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1, cancelsProcessed: 0 });
  });

  it('skips tokenization when the caller already holds a token', async () => {
    // The caller tokenized earlier, straight with the bank.
    const token = await tokenizeDirectly(stack);
    const tokenizeCalls = () =>
      stack.simulator.ledger.entries.filter((e) => e.kind === 'request' && e.endpoint === 'tokenize').length;
    const before = tokenizeCalls();

    const payoutId = uniquePayoutId('by-token');
    await stack.payouts.startPayout({
      ...accountRequest(payoutId),
      recipient: { kind: 'token', token, fullName: 'ООО Ромашка' },
    });
    const result = await stack.payouts.result(payoutId);
    expect(result.outcome).toBe('succeeded');
    expect(tokenizeCalls()).toBe(before);
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(state.recipientMaskedAccount).toBe('40702***0025');
    await recordHistory(stack, payoutWorkflowId(payoutId), 'by-token');
  });

  it('fails with the bank code when the recipient bank declines', async () => {
    const { result, ledger } = await run('bank-failure', { scenario: 'payout_fails' });
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'declined_by_issuer_bank' });
    expect(ledger.confirmsProcessed).toBe(1);
  });

  it('cancels by policy when the bank reports another amount, and never confirms', async () => {
    const { result, state, ledger } = await run('amount-mismatch', { scenario: 'amount_mismatch' });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'policy' });
    expect(state.decision).toMatchObject({ action: 'cancel' });
    expect(JSON.stringify(state.decision)).toMatch(/amount .* differs/);
    expect(ledger).toMatchObject({ confirmsProcessed: 0, cancelsProcessed: 1 });
  });

  it('cancels by policy when the bank reports another recipient', async () => {
    const { result, ledger } = await run('recipient-mismatch', { scenario: 'recipient_mismatch' });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'policy' });
    expect(ledger.confirmsProcessed).toBe(0);
  });

  it('ends cancelled when the bank cancels before we confirm', async () => {
    const { result, ledger } = await run('bank-cancels', { scenario: 'bank_cancels' });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'bank' });
    expect(ledger.confirmsProcessed).toBe(0);
  });

  it('fails cleanly on a non-retryable bank error at init', async () => {
    const { result, ledger } = await run('init-rejected', { scenario: 'init_rejected' });
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'operation_rejected' });
    expect(ledger.confirmsProcessed).toBe(0);
  });

  it('applies duplicate webhooks once (identical copies stop at the gateway)', async () => {
    const { payoutId, result, state, ledger } = await run('duplicates', { scenario: 'duplicate_webhooks' });
    expect(result.outcome).toBe('succeeded');
    const delivered = stack.simulator.ledger
      .webhookDeliveries(payoutWorkflowId(payoutId))
      .filter((d) => d.type === 'ready_to_confirm');
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    expect(delivered.every((d) => d.httpStatus === 200)).toBe(true);
    expect(state.events.filter((e) => e.kind === 'webhook:ready_to_confirm')).toHaveLength(1);
    expect(ledger.confirmsProcessed).toBe(1);
  });

  it('handles payment_finished arriving before the confirm response, and a stale ready_to_confirm after it', async () => {
    const { result, ledger } = await run('out-of-order', { scenario: 'out_of_order' });
    expect(result.outcome).toBe('succeeded');
    expect(ledger.confirmsProcessed).toBe(1);
  });

  it('recovers a lost ready_to_confirm webhook by reconciliation', async () => {
    const { result, state, ledger } = await run('lost-ready', { scenario: 'lose_ready_webhook' });
    expect(result.outcome).toBe('succeeded');
    expect(state.events.map((e) => e.kind)).toContain('step:reconciling');
    expect(ledger.confirmsProcessed).toBe(1);
  });

  it('recovers a lost payment_finished webhook by reconciliation', async () => {
    const { result, state } = await run('lost-finished', { scenario: 'lose_finished_webhook' });
    expect(result.outcome).toBe('succeeded');
    expect(state.events.map((e) => e.kind)).toContain('bank:status');
  });

  it('ends unknown, never retried, when the session stays in error', async () => {
    const { result, state, ledger } = await run('session-error', { scenario: 'session_error_after_confirm' });
    expect(result).toMatchObject({ outcome: 'unknown', errorCode: 'session_error' });
    expect(state.bankSessionStatus).toBe('error');
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
  });

  it('retries transport faults without a second session or confirm', async () => {
    const payoutId = uniquePayoutId('faults');
    const workflowId = payoutWorkflowId(payoutId);
    stack.simulator.injectFault({ endpoint: 'tokenize', kind: 'http_500', times: 1, workflowId });
    stack.simulator.injectFault({ endpoint: 'session/init/payout', kind: 'http_503', times: 2, workflowId });
    stack.simulator.injectFault({ endpoint: 'session/confirm', kind: 'reset', times: 1, workflowId });
    stack.simulator.injectFault({ endpoint: 'session/confirm', kind: 'garbage', times: 1, workflowId });
    await stack.payouts.startPayout(accountRequest(payoutId));
    const result = await stack.payouts.result(payoutId);
    expect(result.outcome).toBe('succeeded');
    expect(ledgerOf(payoutId)).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
    // This payout's faults only: other tests' payouts share the simulator's ledger.
    const faults = stack.simulator.ledger.entries.flatMap((e) =>
      e.kind === 'request' && e.workflowId === workflowId && e.outcome.startsWith('fault:')
        ? [`${e.endpoint} ${e.outcome}`]
        : [],
    );
    expect(faults).toEqual([
      'tokenize fault:http_500',
      'session/init/payout fault:http_503',
      'session/init/payout fault:http_503',
      'session/confirm fault:reset',
      'session/confirm fault:garbage',
    ]);
  });

  it('ends succeeded when the confirm went through but its response was lost', async () => {
    const { result, ledger } = await run('confirm-lost', { scenario: 'confirm_response_lost' });
    expect(result.outcome).toBe('succeeded');
    expect(ledger.confirmsProcessed).toBe(1);
  });

  describe('manual approval above the threshold', () => {
    const bigAmount = 20_000_000;

    /** The client's refusal, not any error: an approval for a payout that already finished. */
    async function expectFinishedRefusal(action: Promise<unknown>, payoutId: string) {
      const err: unknown = await action.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PayoutActionRejectedError);
      expect((err as Error).message).toBe(
        `approve refused: payout ${payoutId} has already finished (COMPLETED)`,
      );
    }

    async function startBig(prefix: string) {
      const payoutId = uniquePayoutId(prefix);
      await stack.payouts.startPayout(accountRequest(payoutId, bigAmount));
      await waitFor(async () => {
        const { state } = await stack.payouts.getPayout(payoutId);
        return state.step === 'awaiting_approval' ? state : undefined;
      }, 'awaiting_approval');
      return payoutId;
    }

    it('confirms once approved', async () => {
      const payoutId = await startBig('approved');
      const view = await stack.payouts
        .asOperator('alice')
        .approve(payoutId, { comment: 'checked the contract' });
      expect(view.approval).toMatchObject({ decision: 'approved', by: 'alice' });
      const result = await stack.payouts.result(payoutId);
      expect(result.outcome).toBe('succeeded');
      expect(ledgerOf(payoutId).confirmsProcessed).toBe(1);
      await recordHistory(stack, payoutWorkflowId(payoutId), 'approval-approved');
    });

    it('cancels when rejected', async () => {
      const payoutId = await startBig('rejected');
      await stack.payouts.asOperator('bob').reject(payoutId);
      const result = await stack.payouts.result(payoutId);
      expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'approval_rejected' });
      expect(ledgerOf(payoutId)).toMatchObject({ confirmsProcessed: 0, cancelsProcessed: 1 });
      await recordHistory(stack, payoutWorkflowId(payoutId), 'approval-rejected');
    });

    it('cancels when nobody answers in time', async () => {
      const payoutId = await startBig('approval-timeout');
      const result = await stack.payouts.result(payoutId);
      expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'approval_timeout' });
      expect(ledgerOf(payoutId).confirmsProcessed).toBe(0);
      await recordHistory(stack, payoutWorkflowId(payoutId), 'approval-timeout');
    });

    it('lets an operator cancel while it waits, and refuses approval afterwards', async () => {
      const payoutId = await startBig('operator-cancel');
      await stack.payouts.asOperator('carol').cancel(payoutId, { comment: 'customer asked' });
      const result = await stack.payouts.result(payoutId);
      expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'operator' });
      await expectFinishedRefusal(stack.payouts.asOperator('alice').approve(payoutId), payoutId);
    });

    it('refuses approval when the payout is not waiting for one', async () => {
      const { payoutId } = await run('no-approval-needed');
      await expectFinishedRefusal(stack.payouts.asOperator('alice').approve(payoutId), payoutId);
    });
  });

  describe('starting payouts', () => {
    it('is idempotent by payout ID and refuses the same ID with different details', async () => {
      const payoutId = uniquePayoutId('idempotent');
      const first = await stack.payouts.startPayout(accountRequest(payoutId));
      const again = await stack.payouts.startPayout(accountRequest(payoutId));
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, runId: first.runId });
      await expect(stack.payouts.startPayout(accountRequest(payoutId, 150_100))).rejects.toBeInstanceOf(
        PayoutConflictError,
      );
      await stack.payouts.result(payoutId);
      // after it finished: still the same run, never a second payout
      const afterFinish = await stack.payouts.startPayout(accountRequest(payoutId));
      expect(afterFinish).toMatchObject({ created: false, runId: first.runId });
      expect(ledgerOf(payoutId)).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
    });

    it('rejects invalid input before any workflow starts', async () => {
      const payoutId = uniquePayoutId('invalid');
      await expect(
        stack.payouts.startPayout({ ...accountRequest(payoutId), amount: -1 }),
      ).rejects.toBeInstanceOf(InvalidPayoutRequestError);
      await expect(stack.client.workflow.getHandle(payoutWorkflowId(payoutId)).describe()).rejects.toThrow(
        /not found/i,
      );
    });

    it('refuses an operator action from a client without an identity', async () => {
      const refusal = stack.payouts.asOperator(' ').cancel('whatever');
      await expect(refusal).rejects.toBeInstanceOf(OperatorIdentityError);
      await expect(refusal).rejects.toThrow(/must be identified.*PAYOUT_OPERATOR_ID/);
    });
  });
});
