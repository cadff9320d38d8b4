import { describe, expect, it } from 'vitest';
import {
  InvalidPayoutRequestError,
  parsePayoutRequest,
  payoutWorkflowId,
  requestHash,
} from '../../policy/payout-request';
import { VALID_ACCOUNT_REQUEST } from '../helpers/payout-requests';

const valid = VALID_ACCOUNT_REQUEST;
const policy = { currencies: ['rub'], minAmount: 100, maxAmount: 10_000_000, approvalThreshold: 1_000_000 };

function problemsOf(input: unknown, withPolicy = false): string[] {
  try {
    parsePayoutRequest(input, withPolicy ? policy : undefined);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPayoutRequestError);
    return (err as InvalidPayoutRequestError).problems;
  }
  return [];
}

describe('parsePayoutRequest', () => {
  it('normalizes a valid request', () => {
    const r = parsePayoutRequest(valid, policy);
    expect(r.currency).toBe('rub');
    expect(r.recipient.fullName).toBe('Иванов Иван');
  });

  it.each([
    ['zero amount', { amount: 0 }, /amount: must be positive/],
    ['negative amount', { amount: -5 }, /amount: must be positive/],
    ['fractional amount', { amount: 10.5 }, /amount: must be an integer/],
    ['huge amount', { amount: 1e20 }, /amount: must not exceed/],
    ['wrong currency format', { currency: 'rubles' }, /currency: must be a 3-letter/],
    ['empty payout id', { payoutId: '' }, /payoutId/],
    ['payout id with spaces', { payoutId: 'a b' }, /payoutId/],
    ['empty description', { description: '  ' }, /description: must not be empty/],
    ['description with !', { description: 'Pay now!' }, /must not contain \? or !/],
    ['long description', { description: 'x'.repeat(211) }, /at most 210/],
    [
      'malformed BIK',
      { recipient: { ...valid.recipient, bik: '04920513' } },
      /recipient.bik: must be 9 digits/,
    ],
    [
      'malformed account',
      { recipient: { ...valid.recipient, account: '4081781009991000431X' } },
      /recipient.account: must be 20 digits/,
    ],
    [
      'account prefix not allowed',
      { recipient: { ...valid.recipient, account: '30101810400000000225' } },
      /must start with one of/,
    ],
    [
      'empty name',
      { recipient: { ...valid.recipient, fullName: '   ' } },
      /recipient.fullName: must not be empty/,
    ],
    ['unknown recipient kind', { recipient: { kind: 'card', number: '4111' } }, /recipient/],
  ])('rejects %s with a named problem', (_name, patch, problem) => {
    const problems = problemsOf({ ...valid, ...patch });
    expect(problems.join('\n')).toMatch(problem);
  });

  it('checks configured limits and currencies', () => {
    expect(problemsOf({ ...valid, amount: 20_000_000 }, true)).toEqual([
      'amount: above the limit of 10000000',
    ]);
    expect(problemsOf({ ...valid, amount: 50 }, true)).toEqual(['amount: below the minimum of 100']);
    expect(problemsOf({ ...valid, currency: 'usd' }, true)[0]).toMatch(/currency: usd is not allowed/);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ ...valid, amount: -1, currency: 'x', description: '' }).length).toBe(3);
  });

  it('hashes the canonical request: key order does not matter, any value does', () => {
    const a = parsePayoutRequest(valid);
    const b = parsePayoutRequest({
      description: valid.description,
      recipient: valid.recipient,
      currency: 'rub',
      amount: 150_000,
      payoutId: valid.payoutId,
    });
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash({ ...a, amount: a.amount + 1 })).not.toBe(requestHash(a));
  });

  it('derives the workflow ID from the payout ID', () => {
    expect(payoutWorkflowId('order-1')).toBe('payout-order-1');
  });
});
