/**
 * Pure state transitions of a payout: how webhooks and status polls change what we know. Duplicates,
 * foreign sessions and late or out-of-order events are decided here, in one place, and unit-tested.
 */
import { classifySession, metadataOf, type SessionOutcome, type SessionSnapshot } from '../bank131/session';
import type {
  CancelReason,
  PayoutOutcome,
  PayoutRequest,
  PayoutResult,
  PayoutState,
  PayoutStep,
  WebhookSignal,
} from './messages';

/** What the workflow knows: the queryable view plus the bank snapshots its decisions are made from. */
export interface PayoutRecord {
  view: PayoutState;
  /** This run's tag in the `metadata` we sent at init (absent for payouts started before it existed). */
  runTag?: string;
  /**
   * Webhooks for a session before we knew our own: init's answer not yet applied (a signal can land in the
   * same workflow task) or lost. Never acted on until the session is ours by init's answer or by the bank's
   * `session/status`, read with our credentials; then they are applied as if they had just arrived.
   */
  pending: WebhookSignal[];
  /** Session IDs of `pending` not yet checked with the bank. */
  candidates: string[];
  /** The bank's latest view of the session while it awaits our confirmation. */
  ready?: SessionSnapshot;
  /** The bank's final view (succeeded, failed or cancelled). */
  final?: SessionSnapshot;
}

const MAX_EVENTS = 500;
const FINAL_KINDS: ReadonlySet<SessionOutcome['kind']> = new Set(['succeeded', 'failed', 'cancelled']);

export const CANCELLABLE_STEPS: ReadonlySet<PayoutStep> = new Set([
  'starting',
  'registering',
  'checking_recipient',
  'awaiting_funds',
  'tokenizing',
  'initiating',
  'awaiting_ready',
  'deciding',
  'awaiting_approval',
]);

/** Steps worth a search-attribute update: the ones operators filter on, and the end. */
export const PUBLISHED_STEPS: ReadonlySet<PayoutStep> = new Set([
  'awaiting_funds',
  'awaiting_receipt',
  'awaiting_ready',
  'awaiting_approval',
  'awaiting_finish',
  'reconciling',
  'succeeded',
  'failed',
  'cancelled',
  'unknown',
]);

export function isFinalOutcome(outcome: SessionOutcome): boolean {
  return FINAL_KINDS.has(outcome.kind);
}

export function newRecord(request: PayoutRequest, now: string, runTag?: string): PayoutRecord {
  return {
    runTag,
    pending: [],
    candidates: [],
    view: {
      payoutId: request.payoutId,
      step: 'starting',
      amount: request.amount,
      currency: request.currency,
      returned: false,
      createdAt: now,
      updatedAt: now,
      events: [{ at: now, kind: 'started' }],
      seenWebhooks: [],
    },
  };
}

export function recordEvent(record: PayoutRecord, now: string, kind: string, detail?: string): void {
  record.view.updatedAt = now;
  if (record.view.events.length < MAX_EVENTS)
    record.view.events.push(detail === undefined ? { at: now, kind } : { at: now, kind, detail });
}

export function setStep(record: PayoutRecord, now: string, step: PayoutStep): void {
  if (record.view.step === step) return;
  record.view.step = step;
  recordEvent(record, now, `step:${step}`);
}

/** Whether the session's metadata, when it has any, names this workflow run. */
export function namesThisRun(
  record: PayoutRecord,
  s: SessionSnapshot,
  workflowId: string,
): boolean | undefined {
  const ref = metadataOf(s);
  if (ref === undefined) return undefined;
  if (ref.workflowId !== workflowId) return false;
  return ref.runTag === undefined || record.runTag === undefined || ref.runTag === record.runTag;
}

/**
 * The session is ours: init answered with it, or the bank's own status showed our metadata on it. Webhooks
 * that named it while we did not know are applied now; those for other sessions stay foreign.
 */
export function adoptSession(record: PayoutRecord, sessionId: string, now: string, workflowId: string): void {
  record.view.sessionId = sessionId;
  const pending = record.pending;
  record.pending = [];
  record.candidates = [];
  record.view.unverifiedSessions = undefined;
  for (const signal of pending) applyWebhook(record, signal, now, workflowId);
}

/** Bound on webhooks kept while our session is unknown; the bank redelivers, and status polls cover the rest. */
const MAX_PENDING_WEBHOOKS = 50;

/**
 * Folds a bank snapshot (from a webhook, an activity result or a status poll) of our session into what we
 * know. Returns false when it belongs to another session (or none is ours yet) and was ignored.
 */
export function applySnapshot(record: PayoutRecord, s: SessionSnapshot): boolean {
  if (record.view.sessionId === undefined || s.sessionId !== record.view.sessionId) return false;
  if (s.payout?.receipt) record.view.receipt = s.payout.receipt;
  if (record.final) return true; // a final state never goes back
  record.view.bankSessionStatus = s.status;
  if (s.payout) {
    record.view.bankPayoutId = s.payout.id;
    record.view.bankPayoutStatus = s.payout.status;
    noteRefunds(record, s);
  }
  const outcome = classifySession(s);
  if (isFinalOutcome(outcome)) {
    record.final = s;
    record.ready = undefined;
    record.view.fee = s.payout?.fee;
    record.view.rrn = s.payout?.rrn;
    record.view.finishedAt = s.payout?.finishedAt;
  } else if (outcome.kind === 'awaiting_confirm') {
    record.ready = s;
  }
  return true;
}

function noteRefunds(record: PayoutRecord, s: SessionSnapshot): void {
  for (const refund of s.payout?.refunds ?? []) {
    const returns = (record.view.returns ??= []);
    const known = returns.findIndex((r) => r.id === refund.id);
    if (known >= 0) returns[known] = refund;
    else returns.push(refund);
    record.view.returned = true;
  }
}

export type WebhookVerdict = 'applied' | 'duplicate' | 'foreign_session' | 'unverified_session' | 'late';

/** Applies a webhook signal once; the verdict is recorded in the event log either way. */
export function applyWebhook(
  record: PayoutRecord,
  signal: WebhookSignal,
  now: string,
  workflowId: string,
): WebhookVerdict {
  const detail = `${signal.session.sessionId} ${signal.session.status}/${signal.session.payout?.status ?? '-'}`;
  if (record.view.seenWebhooks.includes(signal.dedupKey)) {
    recordEvent(record, now, `webhook:${signal.type}:duplicate`, detail);
    return 'duplicate';
  }
  const foreign =
    (record.view.sessionId !== undefined && signal.session.sessionId !== record.view.sessionId) ||
    namesThisRun(record, signal.session, workflowId) === false;
  if (foreign) {
    recordEvent(record, now, `webhook:${signal.type}:foreign_session`, detail);
    return 'foreign_session';
  }
  if (record.view.sessionId === undefined) {
    // Recorded, never acted on: the session becomes ours only by init's answer or the bank's status.
    if (record.pending.length < MAX_PENDING_WEBHOOKS) record.pending.push(signal);
    if (!record.candidates.includes(signal.session.sessionId))
      record.candidates.push(signal.session.sessionId);
    record.view.unverifiedSessions = [
      ...new Set([...(record.view.unverifiedSessions ?? []), signal.session.sessionId]),
    ];
    recordEvent(record, now, `webhook:${signal.type}:unverified_session`, detail);
    return 'unverified_session';
  }
  record.view.seenWebhooks.push(signal.dedupKey);
  if (signal.type === 'payment_refunded') {
    applySnapshot(record, signal.session);
    noteRefunds(record, signal.session);
    record.view.returned = true;
    recordEvent(record, now, 'webhook:payment_refunded', detail);
    return 'applied';
  }
  // A ready_to_confirm that arrives after we already moved on (redelivery, out of order) changes nothing.
  const late =
    signal.type === 'ready_to_confirm' && (record.final !== undefined || record.view.decision !== undefined);
  if (late) {
    recordEvent(record, now, `webhook:${signal.type}:late`, detail);
    return 'late';
  }
  applySnapshot(record, signal.session);
  recordEvent(record, now, `webhook:${signal.type}`, detail);
  return 'applied';
}

/** Ends the payout's state with its outcome; the workflow returns the result this gives. */
export function settle(
  record: PayoutRecord,
  now: string,
  outcome: PayoutOutcome,
  extra: { cancelReason?: CancelReason; errorCode?: string } = {},
): PayoutResult {
  record.view.outcome = outcome;
  if (extra.cancelReason !== undefined) record.view.cancelReason = extra.cancelReason;
  if (extra.errorCode !== undefined) record.view.errorCode = extra.errorCode;
  setStep(record, now, outcome);
  recordEvent(
    record,
    now,
    `finished:${outcome}`,
    [extra.cancelReason, extra.errorCode].filter((x) => x !== undefined).join(' ') || undefined,
  );
  return resultOf(record);
}

export function resultOf(record: PayoutRecord): PayoutResult {
  const v = record.view;
  return {
    payoutId: v.payoutId,
    outcome: v.outcome ?? 'unknown',
    sessionId: v.sessionId,
    bankPayoutId: v.bankPayoutId,
    errorCode: v.errorCode,
    cancelReason: v.cancelReason,
    ...(v.bankError && v.outcome !== 'succeeded' ? { bankError: v.bankError } : {}),
    ...(v.fee ? { fee: v.fee } : {}),
    ...(v.rrn ? { rrn: v.rrn } : {}),
    ...(v.receipt ? { receipt: v.receipt } : {}),
    ...(v.receiptMissing ? { receiptMissing: true } : {}),
    ...(v.finishedAt ? { finishedAt: v.finishedAt } : {}),
    returned: v.returned,
  };
}

/**
 * Maps the bank's final session to our result. Whether we confirmed matters: a cancelled session with a
 * failed payout is the bank cancelling before our confirm, but the payout failing after it.
 */
export function outcomeOfFinal(
  final: SessionSnapshot,
  ctx: { confirmed: boolean; ourCancelReason?: CancelReason },
): { outcome: PayoutOutcome; cancelReason?: CancelReason; errorCode?: string } {
  const o = classifySession(final);
  const errorCode = 'errorCode' in o ? o.errorCode : undefined;
  if (o.kind === 'succeeded') return { outcome: 'succeeded' };
  if (o.kind !== 'failed' && o.kind !== 'cancelled') return { outcome: 'unknown', errorCode };
  if (ctx.confirmed && o.kind === 'failed') return { outcome: 'failed', errorCode };
  const cancelReason: CancelReason =
    errorCode === 'confirm_timeout'
      ? 'bank_confirm_timeout'
      : errorCode === 'session_cancelled_by_partner'
        ? (ctx.ourCancelReason ?? 'bank')
        : 'bank';
  return { outcome: 'cancelled', cancelReason, errorCode };
}
