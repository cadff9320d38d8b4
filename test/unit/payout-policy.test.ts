import { describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../bank131/session';
import type { PolicyConfig } from '../../policy/settings';
import { decidePayout, type PolicyInput } from '../../policy/payout-policy';
import type { PayoutRequest } from '../../workflows/messages';

const policy: PolicyConfig = {
  currencies: ['rub'],
  minAmount: 100,
  maxAmount: 1_000_000,
  approvalThreshold: 500_000,
};
const request: PayoutRequest = {
  payoutId: 'p-1',
  amount: 150_000,
  currency: 'rub',
  recipient: {
    kind: 'account',
    bik: '049205131',
    account: '40817810099910004312',
    fullName: 'Иванов Иван Иванович',
  },
  description: 'Выплата по договору 42',
};
const ready: SessionSnapshot = {
  sessionId: 'ps_1',
  status: 'in_progress',
  nextAction: 'confirm',
  payout: {
    id: 'po_1',
    status: 'pending',
    amount: 150_000,
    currency: 'rub',
    recipientToken: 'tok_abc',
    recipientMaskedAccount: '40817***4312',
    recipientFullName: 'Иванов Иван Иванович',
    metadata: 'payout-p-1',
    refunds: [],
  },
};
const base: PolicyInput = {
  request,
  workflowId: 'payout-p-1',
  sessionId: 'ps_1',
  token: 'tok_abc',
  maskedAccount: '40817***4312',
  ready,
  policy,
};
const withPayout = (patch: Partial<NonNullable<SessionSnapshot['payout']>>): PolicyInput => ({
  ...base,
  ready: { ...ready, payout: { ...ready.payout!, ...patch } },
});

describe('decidePayout', () => {
  it('confirms when everything matches and the amount is under the threshold', () => {
    const d = decidePayout(base);
    expect(d.action).toBe('confirm');
  });

  it('asks an operator above the approval threshold', () => {
    const d = decidePayout({
      ...withPayout({ amount: 600_000 }),
      request: { ...request, amount: 600_000 },
    });
    expect(d).toMatchObject({ action: 'await_approval' });
  });

  it('does not ask for approval at exactly the threshold', () => {
    const d = decidePayout({ ...withPayout({ amount: 500_000 }), request: { ...request, amount: 500_000 } });
    expect(d.action).toBe('confirm');
  });

  it.each([
    ['amount differs', withPayout({ amount: 150_100 }), /amount 150100 differs/],
    ['currency differs', withPayout({ currency: 'usd' }), /currency usd differs/],
    ['token differs', withPayout({ recipientToken: 'tok_other' }), /token differs/],
    ['masked account differs', withPayout({ recipientMaskedAccount: '40817***9999' }), /account differs/],
    ['name differs', withPayout({ recipientFullName: 'Петров Пётр' }), /name differs/],
    ['metadata names another workflow', withPayout({ metadata: 'payout-other' }), /another workflow/],
    [
      'metadata names another run',
      { ...withPayout({ metadata: 'payout-p-1/run-0' }), runTag: 'run-1' },
      /another workflow or run/,
    ],
    [
      'the full account differs',
      withPayout({ recipientMaskedAccount: '40817810099910009999' }),
      /account differs/,
    ],
    [
      'a longer mask shows other digits',
      withPayout({ recipientMaskedAccount: '408179**********4312' }),
      /account differs/,
    ],
    ['foreign session', { ...base, ready: { ...ready, sessionId: 'ps_2' } }, /not ours/],
    [
      'session not awaiting confirm',
      { ...base, ready: { ...ready, nextAction: undefined } },
      /not awaiting confirmation/,
    ],
    [
      'session already cancelled',
      { ...base, ready: { ...ready, status: 'cancelled' } },
      /not awaiting confirmation/,
    ],
  ])('cancels when %s', (_name, input, violation) => {
    const d = decidePayout(input);
    expect(d.action).toBe('cancel');
    if (d.action === 'cancel') expect(d.violations.join('\n')).toMatch(violation);
  });

  it('cancels when the bank reports no payout', () => {
    const d = decidePayout({ ...base, ready: { ...ready, payout: undefined } });
    expect(d).toEqual({ action: 'cancel', violations: ['bank reported no payout in the session'] });
  });

  it('cancels above the per-payout limit even when the bank echoes the amount', () => {
    const d = decidePayout({
      ...withPayout({ amount: 2_000_000 }),
      request: { ...request, amount: 2_000_000 },
    });
    expect(d.action).toBe('cancel');
    if (d.action === 'cancel') expect(d.violations).toContain('amount exceeds the limit 1000000');
  });

  it('cancels below the minimum and for a currency that is not allowed', () => {
    const low = decidePayout({ ...withPayout({ amount: 50 }), request: { ...request, amount: 50 } });
    expect(low.action).toBe('cancel');
    const usd = decidePayout({
      ...withPayout({ currency: 'usd' }),
      request: { ...request, currency: 'usd' },
    });
    expect(usd.action).toBe('cancel');
    if (usd.action === 'cancel') expect(usd.violations).toContain('currency usd is not allowed');
  });

  it('compares names ignoring case and extra spaces, and currencies ignoring case', () => {
    const d = decidePayout(withPayout({ recipientFullName: '  иванов   ИВАН иванович ', currency: 'RUB' }));
    expect(d.action).toBe('confirm');
  });

  it('accepts a session whose ID it learned only from the webhook', () => {
    expect(decidePayout({ ...base, sessionId: undefined }).action).toBe('confirm');
  });

  it.each([
    ['the same mask', '40817***4312'],
    ['a full-length mask', '40817*******4312'],
    ['a 6+4 mask with x', '408178xxxxxxxxxx4312'],
    ['a bullet mask', '40817••••••••••••4312'],
    ['only the last 4', '****4312'],
    ['the full account', '40817810099910004312'],
  ])('identifies the recipient by account digits in %s', (_name, rendering) => {
    const d = decidePayout(withPayout({ recipientMaskedAccount: rendering, recipientToken: undefined }));
    expect(d.action).toBe('confirm');
    if (d.action === 'confirm') expect(d.checks).toContain('recipient account digits match');
  });

  it("compares a token-holder's account with what token/info showed, and confirms on the token alone", () => {
    const byToken: PolicyInput = {
      ...base,
      request: {
        ...request,
        recipient: { kind: 'token', token: 'tok_abc', fullName: request.recipient.fullName },
      },
    };
    expect(
      decidePayout({
        ...byToken,
        ready: { ...ready, payout: { ...ready.payout!, recipientMaskedAccount: '40817*******4312' } },
      }).action,
    ).toBe('confirm');
    expect(
      decidePayout({
        ...byToken,
        maskedAccount: undefined,
        ready: { ...ready, payout: { ...ready.payout!, recipientMaskedAccount: undefined } },
      }).action,
    ).toBe('confirm');
  });

  it.each([
    ['no token and no account', { recipientToken: undefined, recipientMaskedAccount: undefined }],
    [
      'an account mask that shows too little',
      { recipientToken: undefined, recipientMaskedAccount: '40817*******' },
    ],
    ['no readable amount', { amount: undefined }],
  ])('sends %s to an operator instead of confirming or cancelling', (_name, patch) => {
    const d = decidePayout(withPayout(patch));
    expect(d.action).toBe('await_approval');
    if (d.action === 'await_approval') expect(d.reason).toMatch(/did not (identify|state)/);
  });

  it('cancels an unverifiable payout instead when configured to', () => {
    const d = decidePayout({
      ...withPayout({ recipientToken: undefined, recipientMaskedAccount: undefined }),
      policy: { ...policy, unverifiedDetails: 'cancel' },
    });
    expect(d.action).toBe('cancel');
    if (d.action === 'cancel') expect(d.violations.join()).toMatch(/did not identify/);
  });

  it('lists every violation, not just the first', () => {
    const d = decidePayout(withPayout({ amount: 1, currency: 'eur', recipientToken: 'x' }));
    expect(d.action).toBe('cancel');
    if (d.action === 'cancel') expect(d.violations.length).toBeGreaterThanOrEqual(3);
  });
});
