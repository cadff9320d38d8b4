/**
 * Payout methods end to end on the real stack (issue 15): SBP, card and self-employed payouts, and the balance
 * check before init. Real Temporal dev server, worker, signed HTTP to the simulator (its own model of each
 * method), signed webhooks through the gateway; the simulator's ledger says what the bank did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPayoutRequestError, payoutWorkflowId } from '../../policy/payout-request';
import type { LocalStack } from '../../harness/local-stack';
import type { PayoutRequest, Recipient } from '../../workflows/messages';
import {
  FAST_METHODS,
  FAST_SETTINGS,
  recordHistory,
  startTestStack,
  tokenizeDirectly,
  uniquePayoutId,
  waitFor,
} from '../helpers/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ settings: { ...FAST_SETTINGS, methods: FAST_METHODS }, balanceCacheMs: 0 });
});
afterAll(async () => {
  await stack?.stop();
});

const SBP: Recipient = {
  kind: 'sbp',
  phone: '79680000000',
  bankId: '100000000069',
  fullName: 'Иванов Иван Иванович',
};
const CARD_TOKEN = 'card_tok_4f1c9a7e2b8d4e6f';
const CARD_HASH = 'aGFzaC1mcm9tLXRoZS13aWRnZXQtMDAx';
const TAXPAYER = {
  taxReference: '123456789012',
  services: [{ name: 'Доставка документов', amount: 120_000, quantity: 1 }],
};

type Scenario = Parameters<LocalStack['simulator']['setScenario']>[1];

function request(payoutId: string, recipient: Recipient, amount = 120_000): PayoutRequest {
  return { payoutId, amount, currency: 'rub', recipient, description: 'Выплата по договору 42' };
}

async function run(
  prefix: string,
  recipient: Recipient,
  opts: { scenario?: Scenario; amount?: number } = {},
) {
  const payoutId = uniquePayoutId(prefix);
  if (opts.scenario) stack.simulator.setScenario(payoutWorkflowId(payoutId), opts.scenario);
  await stack.payouts.startPayout(request(payoutId, recipient, opts.amount));
  const result = await stack.payouts.result(payoutId);
  const { state } = await stack.payouts.getPayout(payoutId);
  await recordHistory(stack, payoutWorkflowId(payoutId), prefix);
  const ledger = stack.simulator.ledger.summaryFor(payoutWorkflowId(payoutId));
  const requests = (endpoint: string) =>
    stack.simulator.ledger.entries.filter(
      (e) => e.kind === 'request' && e.endpoint === endpoint && e.workflowId === payoutWorkflowId(payoutId),
    ).length;
  return { payoutId, result, state, ledger, requests };
}

describe('SBP payouts (phone + bank ID)', () => {
  it('succeeds: bank listed, recipient verified, init, confirm, finished', async () => {
    const { result, state, ledger, requests } = await run('sbp-success', SBP);
    expect(result).toMatchObject({ outcome: 'succeeded' });
    expect(state.recipient).toBe('SBP 7968***0000 at bank 100000000069');
    expect(state.sbpCheck).toMatchObject({
      bankListed: true,
      bankName: 'Банк 131',
      verification: 'verified',
      verifiedName: 'Иванов Иван Иванович',
    });
    expect(state.decision).toMatchObject({
      action: 'confirm',
      checks: expect.arrayContaining(['SBP phone matches', 'SBP bank matches']) as unknown,
    });
    expect(requests('fps/customer_verification')).toBe(1);
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
  });

  it('fails when the recipient bank declines', async () => {
    const { result, ledger } = await run('sbp-bank-failure', SBP, { scenario: 'payout_fails' });
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'declined_by_issuer_bank' });
    expect(ledger.confirmsProcessed).toBe(1);
  });

  it('cancels by policy when ready_to_confirm names another SBP bank, never confirms', async () => {
    const { result, state, ledger } = await run('sbp-policy-cancel', SBP, { scenario: 'recipient_mismatch' });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'policy' });
    expect(JSON.stringify(state.decision)).toMatch(/SBP bank \d+ is not ours/);
    expect(ledger).toMatchObject({ confirmsProcessed: 0, cancelsProcessed: 1 });
  });

  it('a bank ID fps/banks does not list fails before any init', async () => {
    const { result, state, ledger, requests } = await run('sbp-unknown-bank', {
      ...SBP,
      bankId: '100000000999',
    });
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'sbp_bank_not_listed' });
    expect(state.sbpCheck).toMatchObject({ bankListed: false });
    expect(state.bankError).toMatchObject({ endpoint: 'fps/banks', code: 'sbp_bank_not_listed' });
    expect(requests('fps/customer_verification')).toBe(0);
    expect(ledger.initsProcessed).toBe(0);
  });

  it('verification names someone else: cancelled before init, nothing moves', async () => {
    const { result, state, ledger } = await run('sbp-verify-mismatch', SBP, {
      scenario: 'sbp_verification_mismatch',
    });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'recipient_verification' });
    expect(state.sbpCheck).toMatchObject({
      verification: 'name_mismatch',
      verifiedName: 'Петров Пётр Петрович',
    });
    expect(ledger).toMatchObject({ initsProcessed: 0, confirmsProcessed: 0 });
  });

  it("the check's answer is lost (retried, the key already used): goes on unanswered, paid once", async () => {
    const payoutId = uniquePayoutId('sbp-verify-lost');
    stack.simulator.injectFault({
      endpoint: 'fps/customer_verification',
      kind: 'lost_response',
      times: 1,
      workflowId: payoutWorkflowId(payoutId),
    });
    await stack.payouts.startPayout(request(payoutId, SBP));
    const result = await stack.payouts.result(payoutId);
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(result.outcome).toBe('succeeded');
    expect(state.sbpCheck).toMatchObject({ verification: 'unanswered' });
    expect(stack.simulator.ledger.summaryFor(payoutWorkflowId(payoutId))).toMatchObject({
      initsProcessed: 1,
      confirmsProcessed: 1,
    });
  });

  it('the phone is not registered at that bank: cancelled before init', async () => {
    const { result, state, ledger } = await run('sbp-not-registered', SBP, {
      scenario: 'sbp_not_registered',
    });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'recipient_verification' });
    expect(state.sbpCheck).toMatchObject({ verification: 'not_registered', detail: 'recipient_not_found' });
    expect(ledger.initsProcessed).toBe(0);
  });
});

describe('card payouts (token or widget hash)', () => {
  beforeAll(() => {
    stack.simulator.registerCard(CARD_TOKEN, { last4: '4242', brand: 'visa' });
    stack.simulator.registerCard(CARD_HASH, { last4: '0019', brand: 'mir' });
  });
  const byToken: Recipient = {
    kind: 'card',
    token: CARD_TOKEN,
    last4: '4242',
    brand: 'visa',
    fullName: 'Ivan Ivanov',
  };

  it('succeeds by token, identified by last 4 digits and brand', async () => {
    const { result, state, ledger } = await run('card-token', byToken);
    expect(result.outcome).toBe('succeeded');
    expect(state.decision).toMatchObject({
      action: 'confirm',
      checks: expect.arrayContaining(['card last 4 digits match', 'card brand matches']) as unknown,
    });
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
  });

  it('succeeds by the widget number hash', async () => {
    const { result } = await run('card-hash', {
      kind: 'card',
      numberHash: CARD_HASH,
      last4: '0019',
      fullName: 'Ivan Ivanov',
    });
    expect(result.outcome).toBe('succeeded');
  });

  it('fails when the issuer declines', async () => {
    const { result } = await run('card-bank-failure', byToken, { scenario: 'payout_fails' });
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 'declined_by_issuer_bank' });
  });

  it('cancels by policy when the bank shows another card, never confirms', async () => {
    const { result, state, ledger } = await run('card-policy-cancel', byToken, {
      scenario: 'recipient_mismatch',
    });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'policy' });
    expect(JSON.stringify(state.decision)).toMatch(/card ending 0000 is not ours/);
    expect(ledger.confirmsProcessed).toBe(0);
  });

  it('refuses a raw card number before anything starts', async () => {
    const payoutId = uniquePayoutId('card-pan');
    await expect(
      stack.payouts.startPayout(request(payoutId, { ...byToken, token: '4111111111111111' })),
    ).rejects.toThrow(InvalidPayoutRequestError);
    await expect(stack.payouts.getPayout(payoutId)).rejects.toThrow();
  });
});

describe('self-employed payouts (receipt)', () => {
  const viaSbp: Recipient = {
    kind: 'selfEmployed',
    fullName: 'Петров Пётр Петрович',
    payTo: { kind: 'sbp', phone: '79261234567', bankId: '100000000111' },
    taxpayer: TAXPAYER,
  };

  it('succeeds with the receipt id and link in the result', async () => {
    const { result, state } = await run('self-employed-success', viaSbp);
    expect(result).toMatchObject({ outcome: 'succeeded' });
    expect(result.receipt?.id).toMatch(/^20\d{8}$/);
    expect(result.receipt?.link).toContain('/123456789012/');
    expect(result.receiptMissing).toBeUndefined();
    expect(state.events.map((e) => e.kind)).toContain('receipt:issued');
  });

  it('by account token: a receipt that comes only later is found by polling the status', async () => {
    const token = await tokenizeDirectly(stack, '40817810099910004312');
    const { result, state } = await run(
      'self-employed-late-receipt',
      { ...viaSbp, payTo: { kind: 'token', token } },
      { scenario: { receiptDelayMs: 400 } },
    );
    expect(result.outcome).toBe('succeeded');
    expect(result.receipt?.id).toBeDefined();
    expect(state.events.map((e) => e.kind)).toContain('step:awaiting_receipt');
  });

  it('no receipt by the deadline: succeeded (the money moved) and flagged receiptMissing', async () => {
    const { result, state } = await run('self-employed-no-receipt', viaSbp, { scenario: 'receipt_fails' });
    expect(result).toMatchObject({ outcome: 'succeeded', receiptMissing: true });
    expect(state.receiptMissing).toBe(true);
    expect(state.events.map((e) => e.kind)).toContain('receipt:missing');
  });

  it('fails when the recipient bank declines (no receipt wait)', async () => {
    const { result, state } = await run('self-employed-bank-failure', viaSbp, { scenario: 'payout_fails' });
    expect(result).toMatchObject({ outcome: 'failed' });
    expect(state.events.map((e) => e.kind)).not.toContain('step:awaiting_receipt');
  });

  it('cancels by policy when the bank shows another recipient', async () => {
    const { result, ledger } = await run('self-employed-policy-cancel', viaSbp, {
      scenario: 'recipient_mismatch',
    });
    expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'policy' });
    expect(ledger.confirmsProcessed).toBe(0);
  });
});

describe('balance before commitment', () => {
  it('waits visibly in awaiting_funds, then pays once the wallet covers it', async () => {
    stack.simulator.setBalance(50_000);
    const payoutId = uniquePayoutId('funds-wait');
    await stack.payouts.startPayout(request(payoutId, SBP));
    const waiting = await waitFor(async () => {
      const { state } = await stack.payouts.getPayout(payoutId);
      return state.step === 'awaiting_funds' ? state : undefined;
    }, 'awaiting_funds');
    expect(waiting.funds).toMatchObject({ balance: 50_000, currency: 'rub' });
    expect(stack.simulator.ledger.summaryFor(payoutWorkflowId(payoutId)).initsProcessed).toBe(0);
    stack.simulator.setBalance(10_000_000);
    const result = await stack.payouts.result(payoutId);
    expect(result.outcome).toBe('succeeded');
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(state.funds?.checks).toBeGreaterThan(1);
    expect(state.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['funds:insufficient', 'funds:available']),
    );
    await recordHistory(stack, payoutWorkflowId(payoutId), 'funds-wait');
  });

  it('the wallet short at init (spent after our check): waits for funds, inits anew with a new key, paid once', async () => {
    const { payoutId, result, state, ledger } = await run('wallet-short', SBP, {
      scenario: 'wallet_short_at_init',
    });
    expect(result).toMatchObject({ outcome: 'succeeded' });
    const workflowId = payoutWorkflowId(payoutId);
    const inits = stack.simulator.ledger.entries.flatMap((e) =>
      e.kind === 'request' && e.endpoint === 'session/init/payout' && e.workflowId === workflowId
        ? [[e.outcome, e.idempotencyKey]]
        : [],
    );
    // The refused key is spent at the bank: the new init carries its own.
    expect(inits).toEqual([
      ['rejected:insufficient_wallet_balance', `${workflowId}:init`],
      ['processed', `${workflowId}:init:2`],
    ]);
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
    expect(state.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        'bank:init_refused:insufficient_wallet_balance',
        'funds:insufficient',
        'funds:available',
      ]),
    );
  });

  it('cancels with insufficient_funds after the configured wait, nothing initiated', async () => {
    stack.simulator.setBalance(1_000);
    try {
      const { result, state, ledger } = await run('funds-timeout', SBP);
      expect(result).toMatchObject({ outcome: 'cancelled', cancelReason: 'insufficient_funds' });
      expect(state.funds).toMatchObject({ balance: 1_000 });
      expect(ledger.initsProcessed).toBe(0);
    } finally {
      stack.simulator.setBalance(10_000_000_000);
    }
  });
});
