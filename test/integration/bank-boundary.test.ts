/**
 * The bank boundary on the real stack: what a review found where the real Bank 131 may differ from our
 * guesses, each as a payout through signed HTTP, the simulator (rendering the bank's other plausible
 * spellings and answers) and signed webhooks through the gateway. Money is checked against the simulator's
 * ledger, which keeps its own books.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutWorkflowId } from '../../policy/payout-request';
import type { LocalStack } from '../../harness/local-stack';
import type { FaultKind } from '../../simulator/faults';
import type { WireVariant } from '../../simulator/wire';
import { WIRE_DIMENSIONS } from '../../simulator/wire';
import { accountRequest, startTestStack, uniquePayoutId, waitFor, tokenizeDirectly } from '../helpers/stack';
import { postWebhook, readyWebhook, signed } from '../helpers/webhooks';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const ledger = () => stack.simulator.ledger;

async function pay(
  prefix: string,
  setup: (workflowId: string) => void = () => undefined,
  request: (payoutId: string) => unknown = accountRequest,
) {
  const payoutId = uniquePayoutId(prefix);
  const workflowId = payoutWorkflowId(payoutId);
  setup(workflowId);
  await stack.payouts.startPayout(request(payoutId));
  const result = await stack.payouts.result(payoutId);
  const { state } = await stack.payouts.getPayout(payoutId);
  return { payoutId, workflowId, result, state, bank: ledger().summaryFor(workflowId) };
}

describe('the wire format the real bank may use', () => {
  // Every value of every dimension on its own; masks with the token absent, so the digits must identify.
  const cases: { name: string; variant: Partial<WireVariant> }[] = [
    { name: 'v2 spelling', variant: { version: 'v2' } },
    ...WIRE_DIMENSIONS.mask.map((mask) => ({
      name: `mask ${mask}, no token`,
      variant: { mask, token: 'absent' as const },
    })),
    { name: 'no full name', variant: { fullName: 'absent' } },
    { name: 'numbers as strings', variant: { numbersAsStrings: true } },
    { name: 'string booleans', variant: { stringBooleans: true } },
    { name: 'unknown extra fields', variant: { extraFields: true } },
    { name: 'metadata on the session only', variant: { metadataOn: 'session' } },
    { name: 'metadata on both', variant: { metadataOn: 'both' } },
    { name: 'errors without status', variant: { errorStyle: 'without_status' } },
    { name: 'a webhook amount as a string', variant: { webhookQuirk: 'amount_as_string' } },
    { name: 'webhooks without session status', variant: { webhookQuirk: 'session_without_status' } },
    {
      name: 'an unknown webhook type with no session',
      variant: { webhookQuirk: 'unknown_type_without_session' },
    },
  ];

  it.each(cases.map((c) => [c.name, c.variant] as const))(
    '%s: the payout succeeds, confirmed once',
    async (name, variant) => {
      const { result, bank } = await pay(`wire-${name.replace(/\W+/g, '-')}`, (wf) =>
        stack.simulator.setWireVariant(wf, variant),
      );
      expect(result.outcome).toBe('succeeded');
      expect(bank.confirmsProcessed).toBe(1);
    },
  );

  it('a recipient the bank identifies in no way we can check waits for an operator, then pays once approved', async () => {
    const payoutId = uniquePayoutId('wire-no-recipient');
    const wf = payoutWorkflowId(payoutId);
    stack.simulator.setWireVariant(wf, { recipient: 'none' });
    await stack.payouts.startPayout(accountRequest(payoutId));
    const waiting = await waitFor(async () => {
      const { state } = await stack.payouts.getPayout(payoutId);
      return state.step === 'awaiting_approval' ? state : undefined;
    }, 'awaiting_approval');
    expect(waiting.decision).toMatchObject({
      action: 'await_approval',
      reason: /did not identify the recipient/,
    });
    expect(ledger().confirmsProcessed(wf)).toBe(0);
    await stack.payouts.asOperator('alice').approve(payoutId, { comment: 'checked with the bank' });
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    expect(ledger().confirmsProcessed(wf)).toBe(1);
  });

  it('fee, rrn, the bank payout ID and the finish time are in the result', async () => {
    const { result } = await pay('wire-finish-extras', (wf) =>
      stack.simulator.setWireVariant(wf, { finishExtras: true }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(result.bankPayoutId).toMatch(/^po_/);
    expect(result.fee?.amount).toEqual(expect.any(Number));
    expect(result.rrn).toMatch(/^\d+$/);
    expect(result.finishedAt).toMatch(/^\d{4}-/);
  });

  it('an authentic webhook we cannot read is kept, and the payout still finishes', async () => {
    const { result, workflowId } = await pay('wire-unreadable', (wf) =>
      stack.simulator.setWireVariant(wf, { webhookQuirk: 'unknown_type_without_session' }),
    );
    expect(result.outcome).toBe('succeeded');
    // Every webhook the bank sent for this payout was acknowledged: none is lost.
    const deliveries = ledger().webhookDeliveries(workflowId);
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.httpStatus === 200)).toBe(true);
  });
});

describe('ambiguous answers: only the bank decides that no money moved', () => {
  const oddAnswers: FaultKind[] = [
    'http_403_html',
    'unknown_business_code',
    'http_409_no_status',
    'http_4xx_empty',
  ];

  it.each(oddAnswers)(
    'confirm processed, its answer lost, the retry answered %s: succeeded, confirmed once',
    async (kind) => {
      const { result, bank, state } = await pay(`confirm-lost-then-${kind}`, (wf) => {
        stack.simulator.injectFault({
          endpoint: 'session/confirm',
          kind: 'lost_response',
          times: 1,
          workflowId: wf,
        });
        stack.simulator.injectFault({ endpoint: 'session/confirm', kind, times: 1, workflowId: wf });
      });
      expect(result.outcome).toBe('succeeded');
      expect(bank.confirmsProcessed).toBe(1);
      expect(ledger().moneyMoved(payoutWorkflowId(state.payoutId))).toBe('yes');
    },
  );

  it.each(oddAnswers)('confirm processed and answered %s: succeeded', async (kind) => {
    const { result, bank } = await pay(`confirm-answered-${kind}`, (wf) =>
      stack.simulator.injectFault({
        endpoint: 'session/confirm',
        kind,
        times: 1,
        afterProcessing: true,
        workflowId: wf,
      }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(bank.confirmsProcessed).toBe(1);
  });

  it('a WAF page before the bank saw the confirm: the confirm is retried under its key and goes through', async () => {
    const { result, bank } = await pay('confirm-waf-first', (wf) =>
      stack.simulator.injectFault({
        endpoint: 'session/confirm',
        kind: 'http_403_html',
        times: 2,
        workflowId: wf,
      }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(bank.confirmsProcessed).toBe(1);
  });

  it('a refusal the bank did not act on: we cancel the open session, and say cancelled only once the bank agrees', async () => {
    const { result, state, workflowId, bank } = await pay('confirm-refused', (wf) =>
      stack.simulator.injectFault({
        endpoint: 'session/confirm',
        kind: 'unknown_business_code',
        times: 1,
        workflowId: wf,
      }),
    );
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'confirm_rejected' });
    expect(state.bankError).toMatchObject({ endpoint: 'session/confirm', code: 'session_already_confirmed' });
    expect(bank.confirmsProcessed).toBe(0);
    expect(bank.cancelsProcessed).toBe(1);
    expect(ledger().moneyMoved(workflowId)).toBe('no');
  });

  it('the bank says no without "status": failed with its code, description and reject reasons in the status', async () => {
    const { result, state, bank } = await pay('init-refused-sdk-style', (wf) => {
      stack.simulator.setWireVariant(wf, { errorStyle: 'without_status' });
      stack.simulator.setScenario(wf, 'init_rejected');
    });
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'operation_rejected' });
    expect(state.bankError).toMatchObject({
      code: 'operation_rejected',
      endpoint: 'session/init/payout',
    });
    expect(state.bankError?.description).toBeTruthy();
    expect(bank.sessionIds).toEqual([]);
  });

  it('token/info answering something we cannot read: the token is unverified and the payout still pays', async () => {
    // The caller tokenized earlier, straight with the bank.
    const token = await tokenizeDirectly(stack, '40817810099910004312');
    const { result, state } = await pay(
      'token-info-odd',
      // token/info carries no session or key the simulator could tie to a payout: the fault applies to all.
      () => stack.simulator.injectFault({ endpoint: 'token/info', kind: 'http_4xx_empty', times: 20 }),
      (payoutId) => ({
        ...accountRequest(payoutId),
        recipient: { kind: 'token', token, fullName: 'Иванов Иван Иванович' },
      }),
    );
    stack.simulator.clearFaults();
    expect(result.outcome).toBe('succeeded');
    expect(state.tokenVerified).toBe(false);
    expect(state.events.map((e) => e.kind)).toContain('token:not_verified');
  });
});

describe('which session is ours', () => {
  it("init's answer lost: the session named by the webhook is adopted only after the bank's status shows it is ours", async () => {
    const { result, state, bank } = await pay('init-answer-lost', (wf) =>
      stack.simulator.injectFault({
        endpoint: 'session/init/payout',
        kind: 'lost_response',
        times: 1,
        workflowId: wf,
      }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(bank).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
    const kinds = state.events.map((e) => e.kind);
    expect(kinds).toContain('webhook:ready_to_confirm:unverified_session');
    expect(kinds).toContain('bank:session_verified');
    expect(kinds.indexOf('bank:session_verified')).toBeLessThan(kinds.indexOf('step:confirming'));
  });

  it('a signed webhook naming us for a session that is not ours is recorded and never acted on', async () => {
    const payoutId = uniquePayoutId('foreign-before-init');
    const wf = payoutWorkflowId(payoutId);
    // Init is slow, so the stray webhook arrives while we do not know our session yet.
    stack.simulator.injectFault({
      endpoint: 'session/init/payout',
      kind: 'slow',
      delayMs: 1_500,
      times: 1,
      workflowId: wf,
    });
    await stack.payouts.startPayout(accountRequest(payoutId));
    await waitFor(
      async () => ((await stack.payouts.getPayout(payoutId)).state.step === 'initiating' ? true : undefined),
      'initiating',
    );
    const stray = signed(readyWebhook('ps_not_ours', wf), stack.keys.bank.privateKeyPem);
    expect(
      (await postWebhook(`${stack.gatewayUrl!}/webhooks/bank131`, stray.raw, stray.signature)).status,
    ).toBe(200);
    const result = await stack.payouts.result(payoutId);
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(result.outcome).toBe('succeeded');
    expect(result.sessionId).not.toBe('ps_not_ours');
    expect(state.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        'webhook:ready_to_confirm:unverified_session',
        'webhook:ready_to_confirm:foreign_session',
      ]),
    );
    expect(ledger().summaryFor(wf).confirmsProcessed).toBe(1);
  });
});

describe('a return after the payout finished', () => {
  it('is attached to its payout, confirmed by the bank, and findable', async () => {
    const { payoutId, result } = await pay('returned-later');
    expect(result.outcome).toBe('succeeded');
    stack.simulator.refund(result.sessionId!);
    const view = await waitFor(async () => {
      const v = await stack.payouts.getPayout(payoutId);
      return v.returns?.returns.length ? v : undefined;
    }, 'the return');
    expect(view.returned).toBe(true);
    const [ret] = view.returns!.returns;
    expect(ret?.refundId).toMatch(/^rf_/);
    expect(ret).toMatchObject({ amount: accountRequest(payoutId).amount, confirmedByStatus: true });
    const found = await waitFor(async () => {
      for await (const w of stack.client.workflow.list({
        query: `PayoutReturned = true AND PayoutId = "${payoutId}"`,
      }))
        return w.workflowId;
      return undefined;
    }, 'visibility');
    expect(found).toBe(`returns-${payoutWorkflowId(payoutId)}`);
  });
});
