/**
 * Velocity limits: how much, and how many payouts, one recipient may receive per day before an operator
 * must approve. Splitting a payout under the approval threshold then still asks a human, instead of passing
 * silently. The totals come from the payout registry (a durable, atomic count across payouts); this module
 * only names the recipient and judges the totals. Deterministic: safe in the workflow sandbox.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { PayoutRequest } from '../workflows/messages';
import { payeeOf } from './recipients';

export interface VelocityLimits {
  /** Payouts to one recipient per day, this one included, above which an operator must approve. */
  maxCountPerDay: number;
  /** Minor units to one recipient per day, this payout included, above which an operator must approve. */
  maxAmountPerDay: number;
}

/** A recipient's payouts on one day, reserved up to and including this one. */
export interface VelocityTotals {
  count: number;
  amount: number;
}

/**
 * The recipient as the registry knows it: a hash, so the registry holds no account number or token. The
 * same account by token and by account details counts apart (the registry cannot know they are one).
 * A self-employed payout counts by where the money goes (its `payTo`).
 */
export function recipientVelocityKey(request: PayoutRequest): string {
  const r = payeeOf(request.recipient);
  const name =
    r.kind === 'account'
      ? `account:${r.bik}:${r.account}`
      : r.kind === 'token'
        ? `token:${r.token}`
        : r.kind === 'sbp'
          ? `sbp:${r.bankId}:${r.phone}`
          : // A card counts by what we hold: its token, or the widget's hash (a new hash of one card counts apart).
            `card:${r.token ?? `hash:${r.numberHash ?? ''}`}`;
  return bytesToHex(sha256(utf8ToBytes(`${request.currency.toLowerCase()}|${name}`)));
}

/** The day a payout counts on: its registration time's UTC date (YYYY-MM-DD). */
export function velocityDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Why these totals need an operator's approval; empty when they are within the limits. */
export function velocityReasons(totals: VelocityTotals, limits: VelocityLimits): string[] {
  const reasons: string[] = [];
  if (totals.count > limits.maxCountPerDay)
    reasons.push(
      `payout ${totals.count} to this recipient today is above the daily count limit ${limits.maxCountPerDay}`,
    );
  if (totals.amount > limits.maxAmountPerDay)
    reasons.push(
      `${totals.amount} to this recipient today (this payout included) is above the daily amount limit ${limits.maxAmountPerDay}`,
    );
  return reasons;
}
