/**
 * The normalized view of a Bank 131 session that flows through our system (activity results, signals,
 * workflow state). Pure and deterministic: safe to import from workflow code.
 */
import type { RawPayout, RawSession } from './schemas';

export interface PayoutSnapshot {
  id: string;
  status: string;
  amount?: number;
  currency?: string;
  /** Recipient as the bank reports it. Only the token and a masked account, never a raw account number. */
  recipientToken?: string;
  recipientMaskedAccount?: string;
  recipientFullName?: string;
  metadata?: unknown;
  errorCode?: string;
  errorDescription?: string;
  refunds: { id: string; status: string; amount?: number }[];
}

export interface SessionSnapshot {
  sessionId: string;
  status: string;
  nextAction?: string;
  errorCode?: string;
  errorDescription?: string;
  payout?: PayoutSnapshot;
}

/** Keeps the first 5 and last 4 digits, as the bank's own `masked_account` does. */
export function maskAccount(account: string): string {
  if (account.length <= 9) return '*'.repeat(account.length);
  return `${account.slice(0, 5)}***${account.slice(-4)}`;
}

function toPayoutSnapshot(p: RawPayout): PayoutSnapshot {
  const ru = (p.payment_method ?? p.payout_details)?.bank_account?.ru;
  const account = ru?.account;
  return {
    id: p.id,
    status: p.status,
    amount: p.amount_details?.amount,
    currency: p.amount_details?.currency,
    recipientToken: ru?.token,
    // The bank sends accounts masked in webhooks; mask again in case a full number ever arrives.
    recipientMaskedAccount:
      account === undefined ? undefined : account.includes('*') ? account : maskAccount(account),
    recipientFullName: ru?.full_name,
    metadata: p.metadata,
    errorCode: p.error?.code,
    errorDescription: p.error?.description,
    refunds: (p.refunds ?? []).map((r) => ({ id: r.id, status: r.status, amount: r.amount_details?.amount })),
  };
}

export function toSessionSnapshot(session: RawSession): SessionSnapshot {
  const payouts = session.payments ?? session.payout_list ?? [];
  const first = payouts[0];
  return {
    sessionId: session.id,
    status: session.status,
    nextAction: session.next_action,
    errorCode: session.error?.code,
    errorDescription: session.error?.description,
    payout: first ? toPayoutSnapshot(first) : undefined,
  };
}

/** The workflow ID we put in `metadata` at init; the bank echoes it on the session or on its payout. */
export function workflowIdFromSession(session: RawSession): string | undefined {
  const candidates = [
    session.metadata,
    ...(session.payments ?? session.payout_list ?? []).map((p) => p.metadata),
  ];
  for (const m of candidates) {
    if (typeof m === 'string' && m.length > 0) return m;
    if (m && typeof m === 'object' && 'workflow_id' in m && typeof m.workflow_id === 'string')
      return m.workflow_id;
  }
  return undefined;
}

export type SessionOutcome =
  | { kind: 'awaiting_confirm' }
  | { kind: 'processing' }
  | { kind: 'succeeded' }
  | { kind: 'failed'; errorCode?: string }
  | { kind: 'cancelled'; errorCode?: string }
  | { kind: 'unknown'; errorCode?: string };

/**
 * What a session tells us about the payout's fate. `error` is unknown, never failed: the money may have
 * moved, so nothing is retried automatically.
 */
export function classifySession(s: SessionSnapshot): SessionOutcome {
  const errorCode = s.payout?.errorCode ?? s.errorCode;
  // A payout the bank reports as succeeded moved the money, whatever the session says.
  if (s.payout?.status === 'succeeded') return { kind: 'succeeded' };
  switch (s.status) {
    case 'error':
      return { kind: 'unknown', errorCode };
    case 'accepted':
      return s.payout?.status === 'failed' ? { kind: 'failed', errorCode } : { kind: 'succeeded' };
    case 'cancelled':
      // A payout the bank tried and failed ends in a cancelled session with a failed payout.
      return s.payout?.status === 'failed' &&
        errorCode !== 'session_cancelled_by_partner' &&
        errorCode !== 'confirm_timeout'
        ? { kind: 'failed', errorCode }
        : { kind: 'cancelled', errorCode };
    case 'created':
    case 'in_progress':
      if (s.payout?.status === 'succeeded') return { kind: 'succeeded' };
      if (s.payout?.status === 'failed') return { kind: 'failed', errorCode };
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
