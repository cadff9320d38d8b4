import { describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../bank131/session';
import { loadPayoutSettings } from '../../config';
import { decidePayout, type PolicyInput } from '../../policy/payout-policy';
import type { PolicyConfig } from '../../policy/settings';
import {
  recipientVelocityKey,
  velocityDay,
  velocityReasons,
  type VelocityLimits,
} from '../../policy/velocity';
import type { PayoutRequest } from '../../workflows/messages';

const limits: VelocityLimits = { maxCountPerDay: 3, maxAmountPerDay: 400_000 };
const account = (n: string): PayoutRequest => ({
  payoutId: `p-${n}`,
  amount: 150_000,
  currency: 'rub',
  recipient: { kind: 'account', bik: '049205131', account: n, fullName: 'Иванов Иван' },
  description: 'Выплата',
});

describe('velocityReasons', () => {
  it('is silent within both limits, at the limits included', () => {
    expect(velocityReasons({ count: 1, amount: 150_000 }, limits)).toEqual([]);
    expect(velocityReasons({ count: 3, amount: 400_000 }, limits)).toEqual([]);
  });
  it('names the count limit crossed', () => {
    expect(velocityReasons({ count: 4, amount: 40_000 }, limits)).toEqual([
      'payout 4 to this recipient today is above the daily count limit 3',
    ]);
  });
  it('names the amount limit crossed, and both when both are', () => {
    expect(velocityReasons({ count: 3, amount: 450_000 }, limits)[0]).toMatch(
      /450000 to this recipient today .* above the daily amount limit 400000/,
    );
    expect(velocityReasons({ count: 4, amount: 450_000 }, limits)).toHaveLength(2);
  });
});

describe('recipientVelocityKey and velocityDay', () => {
  it('one key per recipient, holding no account digits', () => {
    const key = recipientVelocityKey(account('40817810099910004312'));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('4312');
    expect(recipientVelocityKey({ ...account('40817810099910004312'), payoutId: 'other', amount: 1 })).toBe(
      key,
    );
    expect(recipientVelocityKey(account('40817810099910004313'))).not.toBe(key);
  });
  it('the UTC date of the registration time', () => {
    expect(velocityDay(Date.UTC(2026, 10, 25, 23, 59))).toBe('2026-11-25');
    expect(velocityDay(Date.UTC(2026, 10, 26, 0, 0))).toBe('2026-11-26');
  });
});

describe('decidePayout with velocity', () => {
  const policy: PolicyConfig = {
    currencies: ['rub'],
    minAmount: 100,
    maxAmount: 1_000_000,
    approvalThreshold: 500_000,
    velocity: limits,
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
      refunds: [],
    },
  };
  const base: PolicyInput = {
    request: account('40817810099910004312'),
    workflowId: 'payout-p-1',
    sessionId: 'ps_1',
    token: 'tok_abc',
    ready,
    policy,
  };

  it('a payout under the threshold that crosses a daily limit waits for approval instead of passing', () => {
    expect(decidePayout({ ...base, velocity: { count: 2, amount: 300_000 } }).action).toBe('confirm');
    const d = decidePayout({ ...base, velocity: { count: 3, amount: 450_000 } });
    expect(d).toMatchObject({ action: 'await_approval' });
    expect(d.action === 'await_approval' && d.reason).toMatch(/daily amount limit/);
  });
  it('never turns a cancel into an approval', () => {
    const wrong = { ...ready, payout: { ...ready.payout!, amount: 1 } };
    expect(decidePayout({ ...base, ready: wrong, velocity: { count: 9, amount: 9e6 } }).action).toBe(
      'cancel',
    );
  });
  it('without totals (no registry, old histories) or without limits (old settings), nothing changes', () => {
    expect(decidePayout(base).action).toBe('confirm');
    const { velocity: _, ...oldPolicy } = policy;
    expect(decidePayout({ ...base, policy: oldPolicy, velocity: { count: 9, amount: 9e6 } }).action).toBe(
      'confirm',
    );
  });
});

describe('velocity configuration', () => {
  it('defaults: 10 payouts a day, and the approval threshold as the daily amount', () => {
    const { policy } = loadPayoutSettings({ PAYOUT_APPROVAL_THRESHOLD: '700000' });
    expect(policy.velocity).toEqual({ maxCountPerDay: 10, maxAmountPerDay: 700_000 });
  });
  it('set explicitly', () => {
    const { policy } = loadPayoutSettings({
      PAYOUT_VELOCITY_MAX_COUNT_PER_DAY: '3',
      PAYOUT_VELOCITY_MAX_AMOUNT_PER_DAY: '400000',
    });
    expect(policy.velocity).toEqual(limits);
  });
});
