/**
 * The activities the payout workflow calls. The workflow imports this file for types only.
 *
 * Activity inputs and results are recorded in workflow history: they are a versioned contract. Fields are
 * only ever added (optional), never renamed or retyped, so histories of running payouts stay replayable.
 */
import type { PayoutSettings } from '../policy/settings';
import type { SessionSnapshot } from '../bank131/session';
import type { Recipient } from '../workflows/messages';
import type { CallbackEvent } from '../client/callbacks';
import type { VelocityTotals } from '../policy/velocity';

/** ApplicationFailure types the activities throw; the workflow and retry policies match on these strings. */
export const FAILURE_TYPES = {
  /** The bank said no with its error object; details: [BankRejectionDetails]. Never retried. */
  bankRejected: 'Bank131BusinessError',
  /** Transport fault; retried with backoff under the same idempotency key. */
  bankUnavailable: 'Bank131TransportError',
  /** An answer that is neither success nor a Bank 131 error (WAF page, empty 4xx). Retried; never a "no". */
  bankUnrecognised: 'Bank131UnrecognisedAnswer',
  /** Another run already claimed this payout ID in the registry; details: [the claim]. Never retried. */
  payoutIdClaimed: 'PayoutIdAlreadyClaimed',
} as const;

export interface BankRejectionDetails {
  code: string;
  description?: string;
  endpoint: string;
  rejectReasons?: unknown[];
}

export interface TokenizeInput {
  workflowId: string;
  bik: string;
  account: string;
}

export interface TokenizeResult {
  token: string;
  maskedAccount?: string;
}

export interface TokenInfoResult {
  maskedAccount?: string;
  /** False when the bank's answer could not be read or the call failed: the token was not checked. */
  verified?: boolean;
  /** Why it was not verified. */
  note?: string;
}

export interface InitPayoutInput {
  workflowId: string;
  /** Unguessable per-run tag carried in `metadata`, checked on every session that names us. */
  runTag?: string;
  /** 2, 3, …: a new init after the bank refused the earlier one (wallet short); its key is spent. */
  attempt?: number;
  token: string;
  fullName: string;
  description: string;
  amount: number;
  currency: string;
  /** Card, SBP and self-employed payouts: the body is built from the recipient (bank131/payout-details.ts). */
  recipient?: Recipient;
}

/** Whether `fps/banks` lists a bank ID; `listed` is undefined when the list could not be read. */
export interface SbpBankCheck {
  listed?: boolean;
  name?: string;
  note?: string;
}

export interface SbpVerificationInput {
  workflowId: string;
  phone: string;
  bankId: string;
  fullName: string;
}

/** The wallet balance in one currency, summed over the wallets in it; `amount` undefined when unreadable. */
export interface WalletBalance {
  amount?: number;
  currency: string;
  /** When the bank was asked (ISO); a cached answer keeps its time. */
  readAt: string;
  note?: string;
}

export interface PreparedPayout {
  settings: PayoutSettings;
  balance?: WalletBalance;
}

export type InitPayoutResult =
  | { kind: 'initiated'; session: SessionSnapshot }
  /** The bank already has a session for this idempotency key (an earlier attempt's answer was lost). Its ID will come with the webhook, which carries our workflow ID. */
  | { kind: 'already_initiated' };

export interface SessionStepInput {
  workflowId: string;
  sessionId: string;
}

/**
 * confirm/cancel's result: the session as the bank last showed it. When the bank did not accept the step
 * (its error object, or an answer we could not recognise), `session` is read from `session/status` and
 * `refusal` says what the step's own answer was. The session's state decides, never the refusal alone.
 */
export type SessionStepResult = SessionSnapshot & {
  refusal?: {
    kind: 'rejected' | 'unrecognised';
    code?: string;
    description?: string;
    rejectReasons?: unknown[];
  };
};

export interface RegisterPayoutInput {
  payoutId: string;
  workflowId: string;
  runId: string;
  requestHash: string;
  /** The velocity reservation: recipient hash, day (YYYY-MM-DD), amount. */
  velocity: { recipientKey: string; day: string; amount: number };
}

export type RegisterPayoutResult =
  /** The ID is this run's; the recipient's totals for the day, this payout included. */
  | { registry: 'recorded'; velocity: VelocityTotals }
  /** The worker runs without a registry (local dev only, ALLOW_INSECURE_LOCAL_DEV=1): nothing recorded. */
  | { registry: 'absent' };

export interface PayoutActivities {
  /** The worker's payout policy and timeouts, recorded in history so a replay sees the same values. */
  loadPayoutSettings(): Promise<PayoutSettings>;
  /**
   * The settings and, when the balance check is on, the wallet's balance, in one local activity (one history
   * event). The balance is best effort: absent when the bank did not answer within a few seconds.
   */
  preparePayout(input: { currency: string }): Promise<PreparedPayout>;
  /** Claims the payout ID for this run and reserves its velocity; fails `payoutIdClaimed` for another run. */
  registerPayout(input: RegisterPayoutInput): Promise<RegisterPayoutResult>;
  tokenizeAccount(input: TokenizeInput): Promise<TokenizeResult>;
  /** Best effort: never fails on an answer it cannot read (see TokenInfoResult.verified). */
  getTokenInfo(input: { token: string }): Promise<TokenInfoResult>;
  initPayout(input: InitPayoutInput): Promise<InitPayoutResult>;
  confirmPayout(input: SessionStepInput): Promise<SessionStepResult>;
  cancelPayout(input: SessionStepInput): Promise<SessionStepResult>;
  getSessionStatus(input: { sessionId: string }): Promise<SessionSnapshot>;
  /** Best effort, cached per worker: never fails on an unreadable list (see SbpBankCheck.listed). */
  checkSbpBank(input: { bankId: string }): Promise<SbpBankCheck>;
  /** Starts the SBP recipient check; the returned session (and its status later) carries the answer. */
  verifySbpRecipient(input: SbpVerificationInput): Promise<SessionSnapshot>;
  /** Best effort, cached briefly per worker: an unreadable balance has no `amount`. */
  getWalletBalance(input: { currency: string }): Promise<WalletBalance>;
}

/** The backend-callback activity (activities/callbacks.ts); a separate contract so payout stubs need not know it. */
export interface CallbackActivities {
  /** One signed POST attempt; throws unless the backend answered 2xx. */
  deliverCallback(input: { event: CallbackEvent }): Promise<{ httpStatus: number }>;
}
