/**
 * The normalized view of a Bank 131 session that flows through our system (activity results, signals,
 * workflow state). Pure and deterministic: safe to import from workflow code.
 */
import { maskAccount, visibleDigits } from './accounts';
import {
  PAYOUT_STATUSES,
  PayoutSchema,
  readList,
  RefundSchema,
  SESSION_STATUSES,
  type BankPayoutStatus,
  type RawPayout,
  type RawRefund,
  type RawSession,
  type SessionStatus,
} from './schemas';

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

/** A full account number never enters our state: masks pass as sent, full numbers are masked here. */
function keepMasked(account: string | undefined): string | undefined {
  if (account === undefined) return undefined;
  return visibleDigits(account)?.full ? maskAccount(account.replace(/[\s-]/g, '')) : account;
}

function toRefundSnapshot(r: RawRefund): RefundSnapshot {
  return {
    id: r.id,
    status: r.status ?? UNKNOWN_STATUS,
    amount: r.amount_details?.amount,
    currency: r.amount_details?.currency,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

function toPayoutSnapshot(p: RawPayout): PayoutSnapshot | undefined {
  if (p.id === undefined) return undefined;
  const method = p.payout_details ?? p.payment_method;
  const ru = method?.bank_account?.ru;
  const fps =
    method?.bank_account?.faster_payment_system ?? method?.bank_account?.faster_payment_system_verification;
  const card = method?.card;
  const participant = p.participant_details?.recipient;
  const receipt = p.fiscalization_details?.professional_income_taxpayer?.receipt;
  const fee = p.amounts?.fee?.merchant_fee;
  const participantName =
    participant?.full_name ??
    ([participant?.last_name, participant?.first_name, participant?.middle_name].filter(Boolean).join(' ') ||
      undefined);
  return {
    id: p.id,
    status: p.status ?? UNKNOWN_STATUS,
    amount: p.amount_details?.amount,
    currency: p.amount_details?.currency,
    recipientToken: ru?.token,
    recipientMaskedAccount: keepMasked(ru?.account),
    recipientFullName: ru?.full_name ?? participantName,
    ...(card && (card.last4 !== undefined || card.brand !== undefined)
      ? { recipientCard: { last4: card.last4, brand: card.brand } }
      : {}),
    ...(card?.tokenized_card?.token !== undefined && ru?.token === undefined
      ? { recipientToken: card.tokenized_card.token }
      : {}),
    ...(fps ? { recipientSbp: { phone: fps.phone, bankId: fps.bank_id } } : {}),
    ...(receipt?.id !== undefined ? { receipt: { id: receipt.id, link: receipt.link } } : {}),
    metadata: p.metadata,
    errorCode: p.error?.code,
    errorDescription: p.error?.description,
    fee: fee ? { amount: fee.amount, currency: fee.currency } : undefined,
    rrn: p.transaction_info?.rrn,
    finishedAt: p.finished_at,
    refunds: readList(RefundSchema, p.refunds).map(toRefundSnapshot),
  };
}

export function toSessionSnapshot(session: RawSession): SessionSnapshot {
  // The SDK reads `payout_list` before `payments` when both appear; so do we.
  const payouts = readList(PayoutSchema, session.payout_list ?? session.payments);
  const first = payouts.map(toPayoutSnapshot).find((p) => p !== undefined);
  return {
    sessionId: session.id,
    status: session.status ?? UNKNOWN_STATUS,
    nextAction: session.next_action,
    errorCode: session.error?.code,
    errorDescription: session.error?.description,
    errorRejectReasons: session.error?.reject_reasons,
    metadata: session.metadata,
    payout: first,
  };
}

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
