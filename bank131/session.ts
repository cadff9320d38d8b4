/**
 * The normalized view of a Bank 131 session that flows through our system (activity results, signals,
 * workflow state). Pure and deterministic: safe to import from workflow code. Reading a raw bank answer
 * into a snapshot (zod) is in session-read.ts, which workflow code must not import (its schemas would be
 * built again for every workflow the worker creates).
 */
import { PAYOUT_STATUSES, SESSION_STATUSES, type BankPayoutStatus, type SessionStatus } from './statuses';

export interface RefundSnapshot {
  id: string;
  status: string;
  amount?: number;
  currency?: string;
  createdAt?: string;
  finishedAt?: string;
}

export interface PayoutSnapshot {
  id: string;
  /** One of `PAYOUT_STATUSES`, `unknown` when unreadable, or a status the bank added since, kept as sent. */
  status: string;
  amount?: number;
  currency?: string;
  /** Recipient as the bank reports it: a token, and an account that is always masked before it is kept. */
  recipientToken?: string;
  recipientMaskedAccount?: string;
  recipientFullName?: string;
  /** A card payout's card as the bank shows it (never a full number). */
  recipientCard?: { last4?: string; brand?: string };
  /** An SBP payout's phone and bank ID as the bank shows them. */
  recipientSbp?: { phone?: string; bankId?: string };
  /** A self-employed payout's receipt (fiscalization), once the bank has one. */
  receipt?: { id: string; link?: string };
  metadata?: unknown;
  errorCode?: string;
  errorDescription?: string;
  /** The bank's fee for this payout (`amounts.fee.merchant_fee`), minor units. */
  fee?: { amount?: number; currency?: string };
  /** `transaction_info`: the interbank reference operators and recipients quote. */
  rrn?: string;
  finishedAt?: string;
  refunds: RefundSnapshot[];
}

export interface SessionSnapshot {
  sessionId: string;
  /** One of `SESSION_STATUSES`, `unknown` when the bank's body had no readable status, or a new one kept as sent. */
  status: string;
  nextAction?: string;
  errorCode?: string;
  errorDescription?: string;
  errorRejectReasons?: unknown[];
  /** Session-level metadata (some spellings carry ours here rather than on the payout). */
  metadata?: unknown;
  payout?: PayoutSnapshot;
}

export const UNKNOWN_STATUS = 'unknown';

/**
 * What we put in `metadata` at init: our workflow ID, a slash, and a tag only this run knows, so a webhook
 * or status answer can be checked against the run that created the session (IDs never contain `/`).
 */
export function initMetadata(workflowId: string, runTag: string): string {
  return `${workflowId}/${runTag}`;
}

export interface MetadataRef {
  workflowId: string;
  runTag?: string;
}

/** Our `metadata` value, as a string `<workflowId>[/<run tag>]` or an object with `workflow_id`. */
export function readMetadata(m: unknown): MetadataRef | undefined {
  if (typeof m === 'string' && m.length > 0) {
    const slash = m.indexOf('/');
    return slash < 0 ? { workflowId: m } : { workflowId: m.slice(0, slash), runTag: m.slice(slash + 1) };
  }
  if (m && typeof m === 'object' && 'workflow_id' in m && typeof m.workflow_id === 'string')
    return { workflowId: m.workflow_id };
  return undefined;
}

/** The workflow (and run tag) named in a session's metadata: on the payout (docs) or on the session. */
export function metadataOf(s: Pick<SessionSnapshot, 'metadata' | 'payout'>): MetadataRef | undefined {
  return readMetadata(s.payout?.metadata) ?? readMetadata(s.metadata);
}

export type SessionOutcome =
  | { kind: 'awaiting_confirm' }
  | { kind: 'processing' }
  | { kind: 'succeeded' }
  | { kind: 'failed'; errorCode?: string }
  | { kind: 'cancelled'; errorCode?: string }
  | { kind: 'unknown'; errorCode?: string };

/** A status from the bank's documented list, typed; undefined for anything else (`unknown`, a new status). */
function known<T extends SessionStatus | BankPayoutStatus>(
  statuses: readonly T[],
  status: string | undefined,
): T | undefined {
  return statuses.find((s) => s === status);
}

/**
 * What a session tells us about the payout's fate. `error` is unknown, never failed: the money may have
 * moved, so nothing is retried automatically. So is any status we do not know.
 */
export function classifySession(s: SessionSnapshot): SessionOutcome {
  const errorCode = s.payout?.errorCode ?? s.errorCode;
  const payoutStatus = known(PAYOUT_STATUSES, s.payout?.status);
  // A payout the bank reports as succeeded moved the money, whatever the session says.
  if (payoutStatus === 'succeeded') return { kind: 'succeeded' };
  switch (known(SESSION_STATUSES, s.status)) {
    case 'error':
      return { kind: 'unknown', errorCode };
    case 'accepted':
      return payoutStatus === 'failed' ? { kind: 'failed', errorCode } : { kind: 'succeeded' };
    case 'cancelled':
      // A payout the bank tried and failed ends in a cancelled session with a failed payout.
      return payoutStatus === 'failed' &&
        errorCode !== 'session_cancelled_by_partner' &&
        errorCode !== 'confirm_timeout'
        ? { kind: 'failed', errorCode }
        : { kind: 'cancelled', errorCode };
    case 'created':
    case 'in_progress':
      if (payoutStatus === 'failed') return { kind: 'failed', errorCode };
      return s.nextAction === 'confirm' ? { kind: 'awaiting_confirm' } : { kind: 'processing' };
    default:
      return { kind: 'unknown', errorCode };
  }
}

/** Identifies one webhook delivery's meaning, so duplicates can be recognised by the workflow. */
export function webhookDedupKey(type: string, s: SessionSnapshot): string {
  const refundIds = (s.payout?.refunds ?? []).map((r) => `${r.id}:${r.status}`).join(',');
  return [type, s.sessionId, s.payout?.id ?? '-', s.payout?.status ?? '-', refundIds || '-'].join('|');
}
