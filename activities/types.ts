/** The activities the payout workflow calls. The workflow imports this file for types only. */
import type { PayoutSettings } from '../config';
import type { SessionSnapshot } from '../bank131/session';

/** ApplicationFailure types the activities throw; the workflow and retry policies match on these strings. */
export const FAILURE_TYPES = {
  /** The bank said no (`{status:"error"}`); details: [{ code, description, endpoint }]. Never retried. */
  bankRejected: 'Bank131BusinessError',
  /** Transport fault or garbage response; retried with backoff under the same idempotency key. */
  bankUnavailable: 'Bank131TransportError',
} as const;

export interface BankRejectionDetails {
  code: string;
  description?: string;
  endpoint: string;
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

export interface InitPayoutInput {
  workflowId: string;
  token: string;
  fullName: string;
  description: string;
  amount: number;
  currency: string;
}

export type InitPayoutResult =
  | { kind: 'initiated'; session: SessionSnapshot }
  /** The bank already has a session for this idempotency key (an earlier attempt's answer was lost). Its ID will come with the webhook, which carries our workflow ID. */
  | { kind: 'already_initiated' };

export interface SessionStepInput {
  workflowId: string;
  sessionId: string;
}

export interface PayoutActivities {
  /** The worker's payout policy and timeouts, recorded in history so a replay sees the same values. */
  loadPayoutSettings(): Promise<PayoutSettings>;
  tokenizeAccount(input: TokenizeInput): Promise<TokenizeResult>;
  getTokenInfo(input: { token: string }): Promise<{ maskedAccount?: string }>;
  initPayout(input: InitPayoutInput): Promise<InitPayoutResult>;
  /** `session/confirm`; when the bank says the step was already done or is no longer possible, the session's current state. */
  confirmPayout(input: SessionStepInput): Promise<SessionSnapshot>;
  /** `session/cancel`; same fallback to `session/status` as confirm. */
  cancelPayout(input: SessionStepInput): Promise<SessionSnapshot>;
  getSessionStatus(input: { sessionId: string }): Promise<SessionSnapshot>;
}
