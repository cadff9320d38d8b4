/**
 * The payout settings the worker hands each payout workflow (limits for the policy, timeouts for the waits),
 * and the policy's decision.
 *
 * Versioned contract: `PayoutSettings` is recorded in every payout's history (the `loadPayoutSettings` local
 * activity's result), and `PolicyDecision` in its state, so payouts started long ago replay with what they
 * were given. Fields are only ever added, as optional or read with a fallback, never renamed, removed or
 * retyped: `policy.unverifiedDetails` is optional (read as `review`), and `timeouts.bankCallTimeoutMs` is
 * read with `?? LEGACY_BANK_CALL_TIMEOUT_MS` (workflows/payout.ts) because older histories lack it.
 * config/payouts.ts reads them from the environment.
 */
import type { VelocityLimits } from './velocity';

export interface PolicyConfig {
  currencies: string[];
  minAmount: number;
  maxAmount: number;
  approvalThreshold: number;
  /**
   * What to do when `ready_to_confirm` states no fact we can check (no comparable recipient identifier, no
   * readable amount): ask an operator, or cancel. Optional because settings are recorded in workflow
   * history: payouts started before it existed replay with the default, `review`.
   */
  unverifiedDetails?: 'review' | 'cancel';
  /**
   * The four-eyes rule: the identity that started a payout cannot approve it. Optional (recorded settings
   * from before it existed): read as on.
   */
  fourEyes?: boolean;
  /**
   * Per recipient and day: above these an operator must approve (totals from the payout registry). Optional
   * (recorded settings from before it existed, and payouts run without a registry): not checked then.
   */
  velocity?: VelocityLimits;
}

export interface PayoutTimeouts {
  approvalTimeoutMs: number;
  readyTimeoutMs: number;
  finishTimeoutMs: number;
  reconcileInitialIntervalMs: number;
  reconcileMaxIntervalMs: number;
  reconcileMaxDurationMs: number;
  /**
   * One Bank 131 call attempt (activity start-to-close); above the HTTP timeout, and how long a crashed
   * worker's call waits before retrying. Always written; absent in histories recorded before it existed.
   */
  bankCallTimeoutMs: number;
}

/** Card, SBP and self-employed payouts, and the balance check before init (issue 15). */
export interface MethodSettings {
  /** Ask `fps/customer_verification` before an SBP init. */
  sbpVerification: boolean;
  /** How long to wait for the verification session's answer before going on without it. */
  sbpVerificationTimeoutMs: number;
  /** Read `wallet/balance` before init and wait in `awaiting_funds` while it does not cover the payout. */
  balanceCheck: boolean;
  fundsWaitInitialIntervalMs: number;
  fundsWaitMaxIntervalMs: number;
  /** Then `cancelled`, reason `insufficient_funds` (nothing was initiated). */
  fundsWaitMaxDurationMs: number;
  /** A self-employed payout without a receipt this long after it succeeded is flagged. */
  receiptDeadlineMs: number;
  receiptPollIntervalMs: number;
}

/** What the worker hands each payout workflow (recorded in its history, so replays see the same values). */
export interface PayoutSettings {
  policy: PolicyConfig;
  timeouts: PayoutTimeouts;
  /** Absent in histories recorded before payout methods existed: no balance check, no SBP verification. */
  methods?: MethodSettings;
  /** The worker sends signed callbacks to the backend (BACKEND_CALLBACK_URL); absent in older histories = off. */
  backendCallbacks?: boolean;
}

export type PolicyDecision =
  | { action: 'confirm'; checks: string[] }
  | { action: 'await_approval'; reason: string; checks: string[] }
  | { action: 'cancel'; violations: string[] };
