/**
 * The payout-method activities (activities/methods.ts) over a fake client: the SBP bank list and the wallet
 * balance are cached per worker and never fail a payout on an answer they cannot read; the bank's "no" to a
 * recipient check is a non-retryable rejection the workflow reads as its answer.
 */
import { ApplicationFailure } from '@temporalio/common';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities';
import { FAILURE_TYPES, type PayoutActivities, type WalletBalance } from '../../activities/types';
import type { Bank131Client } from '../../bank131/client';
import { Bank131BusinessError, Bank131TransportError } from '../../bank131/errors';
import { loadPayoutSettings } from '../../config';
import { createLogger } from '../../observability/logger';

function fakeClient() {
  return {
    fpsBanks: vi.fn<Bank131Client['fpsBanks']>(),
    fpsVerification: vi.fn<Bank131Client['fpsVerification']>(),
    walletBalance: vi.fn<Bank131Client['walletBalance']>(),
  };
}

let bank: ReturnType<typeof fakeClient>;
let seen: WalletBalance[];
let activities: PayoutActivities;
const make = (extra: Partial<ActivityDeps> = {}) =>
  createActivities({
    bank131: bank as unknown as Bank131Client,
    settings: loadPayoutSettings({}),
    logger: createLogger('activities-methods-test', 'silent'),
    onBalance: (b) => seen.push(b),
    ...extra,
  });

beforeEach(() => {
  bank = fakeClient();
  seen = [];
  activities = make();
});

describe('checkSbpBank', () => {
  it('says whether fps/banks lists the bank, reading the list once per worker', async () => {
    bank.fpsBanks.mockResolvedValue([{ id: '100000000069', name: 'Банк 131' }]);
    await expect(activities.checkSbpBank({ bankId: '100000000069' })).resolves.toEqual({
      listed: true,
      name: 'Банк 131',
    });
    await expect(activities.checkSbpBank({ bankId: '100000000999' })).resolves.toEqual({ listed: false });
    expect(bank.fpsBanks).toHaveBeenCalledTimes(1);
  });

  it('checks nothing when the list is unavailable or empty, and asks again next time', async () => {
    bank.fpsBanks.mockRejectedValueOnce(new Bank131TransportError('down', 'fps/banks'));
    await expect(activities.checkSbpBank({ bankId: '100000000069' })).resolves.toEqual({ note: 'down' });
    bank.fpsBanks.mockResolvedValueOnce([]);
    await expect(activities.checkSbpBank({ bankId: '100000000069' })).resolves.toEqual({
      note: 'fps/banks listed no bank',
    });
    expect(bank.fpsBanks).toHaveBeenCalledTimes(2);
  });
});

describe('getWalletBalance', () => {
  it("sums the payout currency's wallets and reports the gauge", async () => {
    bank.walletBalance.mockResolvedValue([
      { id: '1', amount: 10_000, currency: 'RUB' },
      { id: '2', amount: 5_000, currency: 'rub' },
      { id: '3', amount: 99_999, currency: 'usd' },
    ]);
    await expect(activities.getWalletBalance({ currency: 'rub' })).resolves.toMatchObject({
      amount: 15_000,
      currency: 'rub',
    });
    expect(seen).toMatchObject([{ amount: 15_000, currency: 'rub' }]);
  });

  it('has no amount when no wallet in that currency can be read, or the bank refuses', async () => {
    bank.walletBalance.mockResolvedValueOnce([{ id: '1', amount: undefined, currency: 'rub' }]);
    const unreadable = await make({ balanceCacheMs: 0 }).getWalletBalance({ currency: 'rub' });
    expect(unreadable).not.toHaveProperty('amount');
    expect(unreadable.note).toBe('no readable rub wallet');
    bank.walletBalance.mockRejectedValueOnce(
      new Bank131BusinessError('wallet/balance', 'access_denied', undefined, 403),
    );
    const refused = await make({ balanceCacheMs: 0 }).getWalletBalance({ currency: 'rub' });
    expect(refused).not.toHaveProperty('amount');
  });

  it('lets a transport failure be retried, and caches an answer only for its TTL', async () => {
    bank.walletBalance.mockRejectedValueOnce(new Bank131TransportError('reset', 'wallet/balance'));
    await expect(activities.getWalletBalance({ currency: 'rub' })).rejects.toBeInstanceOf(
      Bank131TransportError,
    );
    bank.walletBalance.mockResolvedValue([{ amount: 1, currency: 'rub' }]);
    await activities.getWalletBalance({ currency: 'rub' });
    await activities.getWalletBalance({ currency: 'rub' });
    expect(bank.walletBalance).toHaveBeenCalledTimes(2);
    const uncached = make({ balanceCacheMs: 0 });
    await uncached.getWalletBalance({ currency: 'rub' });
    await uncached.getWalletBalance({ currency: 'rub' });
    expect(bank.walletBalance).toHaveBeenCalledTimes(4);
  });
});

describe('preparePayout', () => {
  it('returns the settings and, with the balance check on, the balance read at the same time', async () => {
    bank.walletBalance.mockResolvedValue([{ amount: 7_000, currency: 'rub' }]);
    const prepared = await activities.preparePayout({ currency: 'rub' });
    expect(prepared.settings).toEqual(loadPayoutSettings({}));
    expect(prepared.balance).toMatchObject({ amount: 7_000, currency: 'rub' });
  });

  it('reads no balance when the check is off', async () => {
    const off = make({ settings: loadPayoutSettings({ PAYOUT_BALANCE_CHECK: 'off' }) });
    await expect(off.preparePayout({ currency: 'rub' })).resolves.not.toHaveProperty('balance');
    expect(bank.walletBalance).not.toHaveBeenCalled();
  });

  it('returns the settings without a balance when the bank fails or is slow: the workflow reads it itself', async () => {
    bank.walletBalance.mockRejectedValueOnce(new Bank131TransportError('reset', 'wallet/balance'));
    await expect(activities.preparePayout({ currency: 'rub' })).resolves.not.toHaveProperty('balance');
    vi.useFakeTimers();
    try {
      bank.walletBalance.mockReturnValueOnce(new Promise(() => undefined));
      const slow = make({ balanceCacheMs: 0 }).preparePayout({ currency: 'rub' });
      await vi.advanceTimersByTimeAsync(3_000);
      await expect(slow).resolves.not.toHaveProperty('balance');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('verifySbpRecipient', () => {
  const input = {
    workflowId: 'payout-v',
    phone: '79261234567',
    bankId: '100000000069',
    fullName: 'Ivanov Ivan',
  };

  it('sends the verification body with its own idempotency key and returns the session', async () => {
    bank.fpsVerification.mockResolvedValue({ id: 'ps_9', status: 'in_progress' });
    await expect(activities.verifySbpRecipient(input)).resolves.toMatchObject({ sessionId: 'ps_9' });
    expect(bank.fpsVerification).toHaveBeenCalledWith(
      expect.objectContaining({
        participant_details: { recipient: { first_name: 'Ivan', last_name: 'Ivanov' } },
      }),
      'payout-v:fps-verification',
    );
  });

  it("the bank's refusal is a non-retryable rejection with its code", async () => {
    bank.fpsVerification.mockRejectedValue(
      new Bank131BusinessError('fps/customer_verification', 'invalid_request', 'phone not found', 400),
    );
    const err = await activities.verifySbpRecipient(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: FAILURE_TYPES.bankRejected, nonRetryable: true });
    expect((err as ApplicationFailure).details?.[0]).toMatchObject({ code: 'invalid_request' });
  });
});
