/**
 * Pure state transitions of a payout: how webhooks and status polls change what we know. Duplicates,
 * foreign sessions and late or out-of-order events are decided here, in one place, and unit-tested.
 */
import { classifySession, type SessionOutcome, type SessionSnapshot } from '../bank131/session';
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
export interface PayoutMachine {
  view: PayoutState;
  /** The bank's latest view of the session while it awaits our confirmation. */
  ready?: SessionSnapshot;
  /** The bank's final view (succeeded, failed or cancelled). */
  final?: SessionSnapshot;
}

const MAX_EVENTS = 500;
const FINAL_KINDS: ReadonlySet<SessionOutcome['kind']> = new Set(['succeeded', 'failed', 'cancelled']);

export const CANCELLABLE_STEPS: ReadonlySet<PayoutStep> = new Set([
  'starting',
  'tokenizing',
  'initiating',
  'awaiting_ready',
  'deciding',
  'awaiting_approval',
]);

/** Steps worth a search-attribute update: the ones operators filter on, and the end. */
export const PUBLISHED_STEPS: ReadonlySet<PayoutStep> = new Set([
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

export function newMachine(request: PayoutRequest, now: string): PayoutMachine {
  return {
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

export function recordEvent(m: PayoutMachine, now: string, kind: string, detail?: string): void {
  m.view.updatedAt = now;
  if (m.view.events.length < MAX_EVENTS)
    m.view.events.push(detail === undefined ? { at: now, kind } : { at: now, kind, detail });
}

export function setStep(m: PayoutMachine, now: string, step: PayoutStep): void {
  if (m.view.step === step) return;
  m.view.step = step;
  recordEvent(m, now, `step:${step}`);
}

/**
 * Folds a bank snapshot (from a webhook, an activity result or a status poll) into what we know.
 * Returns false when it belongs to another session and was ignored.
 */
export function applySnapshot(m: PayoutMachine, s: SessionSnapshot): boolean {
  if (m.view.sessionId === undefined) {
    // Our init answer was lost; the bank routed this by our workflow ID, so the session is ours.
    m.view.sessionId = s.sessionId;
  } else if (s.sessionId !== m.view.sessionId) {
    return false;
  }
  if (m.final) return true; // a final state never goes back
  m.view.bankSessionStatus = s.status;
  if (s.payout) {
    m.view.bankPayoutId = s.payout.id;
    m.view.bankPayoutStatus = s.payout.status;
    if (s.payout.refunds.length > 0) m.view.returned = true;
  }
  const outcome = classifySession(s);
  if (isFinalOutcome(outcome)) {
    m.final = s;
    m.ready = undefined;
  } else if (outcome.kind === 'awaiting_confirm') {
    m.ready = s;
  }
  return true;
}

export type WebhookVerdict = 'applied' | 'duplicate' | 'foreign_session' | 'late';

/** Applies a webhook signal once; the verdict is recorded in the event log either way. */
export function applyWebhook(m: PayoutMachine, signal: WebhookSignal, now: string): WebhookVerdict {
  const detail = `${signal.session.sessionId} ${signal.session.status}/${signal.session.payout?.status ?? '-'}`;
  if (m.view.seenWebhooks.includes(signal.dedupKey)) {
    recordEvent(m, now, `webhook:${signal.type}:duplicate`, detail);
    return 'duplicate';
  }
  if (m.view.sessionId !== undefined && signal.session.sessionId !== m.view.sessionId) {
    recordEvent(m, now, `webhook:${signal.type}:foreign_session`, detail);
    return 'foreign_session';
  }
  m.view.seenWebhooks.push(signal.dedupKey);
  if (signal.type === 'payment_refunded') {
    applySnapshot(m, signal.session);
    m.view.returned = true;
    recordEvent(m, now, 'webhook:payment_refunded', detail);
    return 'applied';
  }
  // A ready_to_confirm that arrives after we already moved on (redelivery, out of order) changes nothing.
  const late = signal.type === 'ready_to_confirm' && (m.final !== undefined || m.view.decision !== undefined);
  if (late) {
    recordEvent(m, now, `webhook:${signal.type}:late`, detail);
    return 'late';
  }
  applySnapshot(m, signal.session);
  recordEvent(m, now, `webhook:${signal.type}`, detail);
  return 'applied';
}

export function finish(
  m: PayoutMachine,
  now: string,
  outcome: PayoutOutcome,
  extra: { cancelReason?: CancelReason; errorCode?: string } = {},
): PayoutResult {
  m.view.outcome = outcome;
  if (extra.cancelReason !== undefined) m.view.cancelReason = extra.cancelReason;
  if (extra.errorCode !== undefined) m.view.errorCode = extra.errorCode;
  setStep(m, now, outcome);
  recordEvent(
    m,
    now,
    `finished:${outcome}`,
    [extra.cancelReason, extra.errorCode].filter((x) => x !== undefined).join(' ') || undefined,
  );
  return resultOf(m);
}

export function resultOf(m: PayoutMachine): PayoutResult {
  const v = m.view;
  return {
    payoutId: v.payoutId,
    outcome: v.outcome ?? 'unknown',
    sessionId: v.sessionId,
    bankPayoutId: v.bankPayoutId,
    errorCode: v.errorCode,
    cancelReason: v.cancelReason,
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
