/**
 * The payout policy's limits and the workflow's timeouts (policy/settings.ts), read by the worker (which
 * hands them to each payout) and by the payout client (which checks requests against the same limits).
 */
import { z } from 'zod';
import type { PayoutSettings } from '../policy/settings';
import { ConfigError, duration, int, list, parse } from './env';

const PolicySchema = z.object({
  PAYOUT_CURRENCIES: list('rub'),
  PAYOUT_MIN_AMOUNT: int(100, 1),
  PAYOUT_MAX_AMOUNT: int(100_000_000, 1),
  PAYOUT_APPROVAL_THRESHOLD: int(10_000_000, 1),
  PAYOUT_UNVERIFIED_DETAILS: z.enum(['review', 'cancel']).default('review'),
  PAYOUT_FOUR_EYES: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  PAYOUT_VELOCITY_MAX_COUNT_PER_DAY: int(10, 1),
  /** Unset: the approval threshold, so a split of an amount that would need approval still needs it. */
  PAYOUT_VELOCITY_MAX_AMOUNT_PER_DAY: z.coerce.number().int().min(1).optional(),
  PAYOUT_APPROVAL_TIMEOUT: duration('3h'),
  PAYOUT_READY_TIMEOUT: duration('30m'),
  PAYOUT_FINISH_TIMEOUT: duration('2h'),
  PAYOUT_RECONCILE_INITIAL_INTERVAL: duration('30s'),
  PAYOUT_RECONCILE_MAX_INTERVAL: duration('15m'),
  PAYOUT_RECONCILE_MAX_DURATION: duration('72h'),
  PAYOUT_BANK_CALL_TIMEOUT: duration('45s'),
  PAYOUT_SBP_VERIFICATION: z.enum(['on', 'off']).default('on'),
  PAYOUT_SBP_VERIFICATION_TIMEOUT: duration('2m'),
  PAYOUT_BALANCE_CHECK: z.enum(['on', 'off']).default('on'),
  PAYOUT_FUNDS_WAIT_INITIAL_INTERVAL: duration('1m'),
  PAYOUT_FUNDS_WAIT_MAX_INTERVAL: duration('30m'),
  PAYOUT_FUNDS_WAIT_MAX_DURATION: duration('24h'),
  // Bank 131: a receipt for a payout to a self-employed person is due within 9 calendar days.
  PAYOUT_RECEIPT_DEADLINE: duration('9d'),
  PAYOUT_RECEIPT_POLL_INTERVAL: duration('1h'),
});

/** `loadPayoutSettings({})` is the one set of defaults (the local stack and the workflow tests use it). */
export function loadPayoutSettings(env: NodeJS.ProcessEnv = process.env): PayoutSettings {
  const p = parse(PolicySchema, env, 'payout policy');
  const settings: PayoutSettings = {
    policy: {
      currencies: p.PAYOUT_CURRENCIES.map((c) => c.toLowerCase()),
      minAmount: p.PAYOUT_MIN_AMOUNT,
      maxAmount: p.PAYOUT_MAX_AMOUNT,
      approvalThreshold: p.PAYOUT_APPROVAL_THRESHOLD,
      unverifiedDetails: p.PAYOUT_UNVERIFIED_DETAILS,
      fourEyes: p.PAYOUT_FOUR_EYES,
      velocity: {
        maxCountPerDay: p.PAYOUT_VELOCITY_MAX_COUNT_PER_DAY,
        maxAmountPerDay: p.PAYOUT_VELOCITY_MAX_AMOUNT_PER_DAY ?? p.PAYOUT_APPROVAL_THRESHOLD,
      },
    },
    timeouts: {
      approvalTimeoutMs: p.PAYOUT_APPROVAL_TIMEOUT,
      readyTimeoutMs: p.PAYOUT_READY_TIMEOUT,
      finishTimeoutMs: p.PAYOUT_FINISH_TIMEOUT,
      reconcileInitialIntervalMs: p.PAYOUT_RECONCILE_INITIAL_INTERVAL,
      reconcileMaxIntervalMs: p.PAYOUT_RECONCILE_MAX_INTERVAL,
      reconcileMaxDurationMs: p.PAYOUT_RECONCILE_MAX_DURATION,
      bankCallTimeoutMs: p.PAYOUT_BANK_CALL_TIMEOUT,
    },
    methods: {
      sbpVerification: p.PAYOUT_SBP_VERIFICATION === 'on',
      sbpVerificationTimeoutMs: p.PAYOUT_SBP_VERIFICATION_TIMEOUT,
      balanceCheck: p.PAYOUT_BALANCE_CHECK === 'on',
      fundsWaitInitialIntervalMs: p.PAYOUT_FUNDS_WAIT_INITIAL_INTERVAL,
      fundsWaitMaxIntervalMs: p.PAYOUT_FUNDS_WAIT_MAX_INTERVAL,
      fundsWaitMaxDurationMs: p.PAYOUT_FUNDS_WAIT_MAX_DURATION,
      receiptDeadlineMs: p.PAYOUT_RECEIPT_DEADLINE,
      receiptPollIntervalMs: p.PAYOUT_RECEIPT_POLL_INTERVAL,
    },
  };
  if (settings.policy.minAmount > settings.policy.maxAmount) {
    throw new ConfigError(
      'invalid payout policy configuration: PAYOUT_MIN_AMOUNT is above PAYOUT_MAX_AMOUNT',
    );
  }
  if (settings.timeouts.reconcileInitialIntervalMs > settings.timeouts.reconcileMaxIntervalMs) {
    throw new ConfigError(
      'invalid payout policy configuration: PAYOUT_RECONCILE_INITIAL_INTERVAL is above PAYOUT_RECONCILE_MAX_INTERVAL',
    );
  }
  return settings;
}
