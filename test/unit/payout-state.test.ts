import { describe, expect, it } from 'vitest';
import { webhookDedupKey, type SessionSnapshot } from '../../bank131/session';
import type { PayoutRequest, WebhookSignal } from '../../workflows/messages';
import {
  CANCELLABLE_STEPS,
  applySnapshot,
  adoptSession,
  applyWebhook,
  settle,
  newRecord,
  outcomeOfFinal,
  type PayoutRecord,
} from '../../workflows/payout-state';

const T = '2026-11-25T10:00:00.000Z';
const WF = 'payout-p-1';
const request: PayoutRequest = {
  payoutId: 'p-1',
  amount: 1000,
  currency: 'rub',
  recipient: { kind: 'token', token: 'tok_abcdefghijklmnop', fullName: 'Ivan' },
  description: 'test',
};

const snap = (
  status: string,
  payoutStatus: string,
  extra: Partial<SessionSnapshot> = {},
): SessionSnapshot => ({
  sessionId: 'ps_1',
  status,
  ...extra,
  payout: { id: 'po_1', status: payoutStatus, amount: 1000, currency: 'rub', refunds: [], ...extra.payout },
});
const readySnap = snap('in_progress', 'pending', { nextAction: 'confirm' });
const succeeded = snap('accepted', 'succeeded');
const signal = (type: string, session: SessionSnapshot): WebhookSignal => ({
  type,
  session,
  dedupKey: webhookDedupKey(type, session),
  receivedAt: T,
});

function initiated(): PayoutRecord {
  const m = newRecord(request, T, 'run-1');
  adoptSession(m, 'ps_1', T, WF);
  applySnapshot(m, snap('in_progress', 'in_progress'));
  m.view.step = 'awaiting_ready';
  return m;
}

describe('payout state', () => {
  it('starts at starting, with a started event', () => {
    const m = newRecord(request, T);
    expect(m.view.step).toBe('starting');
    expect(m.view.events).toEqual([{ at: T, kind: 'started' }]);
  });

  it('records ready_to_confirm and exposes it for the decision', () => {
    const m = initiated();
    expect(applyWebhook(m, signal('ready_to_confirm', readySnap), T, WF)).toBe('applied');
    expect(m.ready).toEqual(readySnap);
    expect(m.view.bankPayoutStatus).toBe('pending');
  });

  it('applies a duplicate webhook only once', () => {
    const m = initiated();
    const s = signal('ready_to_confirm', readySnap);
    expect(applyWebhook(m, s, T, WF)).toBe('applied');
    expect(applyWebhook(m, s, T, WF)).toBe('duplicate');
    expect(m.view.seenWebhooks).toHaveLength(1);
    expect(m.view.events.filter((e) => e.kind === 'webhook:ready_to_confirm:duplicate')).toHaveLength(1);
  });

  it('ignores and records a webhook for another session', () => {
    const m = initiated();
    const foreign = { ...readySnap, sessionId: 'ps_other' };
    expect(applyWebhook(m, signal('ready_to_confirm', foreign), T, WF)).toBe('foreign_session');
    expect(m.ready).toBeUndefined();
    expect(m.view.events.at(-1)?.kind).toBe('webhook:ready_to_confirm:foreign_session');
  });

  it('never adopts a session from a webhook: it is recorded until the bank confirms it is ours', () => {
    const m = newRecord(request, T, 'run-1');
    expect(applyWebhook(m, signal('ready_to_confirm', readySnap), T, WF)).toBe('unverified_session');
    expect(m.view.sessionId).toBeUndefined();
    expect(m.ready).toBeUndefined();
    expect(m.candidates).toEqual(['ps_1']);
    expect(m.view.unverifiedSessions).toEqual(['ps_1']);
    expect(m.view.events.at(-1)?.kind).toBe('webhook:ready_to_confirm:unverified_session');
    expect(applySnapshot(m, readySnap)).toBe(false);
  });

  it('applies a webhook that arrived before init answered once init names its session', () => {
    const m = newRecord(request, T, 'run-1');
    applyWebhook(m, signal('ready_to_confirm', readySnap), T, WF);
    applyWebhook(m, signal('ready_to_confirm', { ...readySnap, sessionId: 'ps_other' }), T, WF);
    adoptSession(m, 'ps_1', T, WF);
    expect(m.ready?.sessionId).toBe('ps_1');
    expect(m.candidates).toEqual([]);
    expect(m.view.events.map((e) => e.kind)).toContain('webhook:ready_to_confirm:foreign_session');
  });

  it('treats a webhook whose metadata names another run (or workflow) as foreign', () => {
    const m = initiated();
    const otherRun = { ...readySnap, payout: { ...readySnap.payout!, metadata: `${WF}/run-0` } };
    expect(applyWebhook(m, signal('ready_to_confirm', otherRun), T, WF)).toBe('foreign_session');
    const otherWf = { ...readySnap, payout: { ...readySnap.payout!, metadata: 'payout-p-2/run-1' } };
    expect(applyWebhook(m, signal('ready_to_confirm', otherWf), T, WF)).toBe('foreign_session');
    expect(m.ready).toBeUndefined();
    const ours = { ...readySnap, payout: { ...readySnap.payout!, metadata: `${WF}/run-1` } };
    expect(applyWebhook(m, signal('ready_to_confirm', ours), T, WF)).toBe('applied');
  });

  it('keeps fee, rrn and finish time of the final state, and returns with their details', () => {
    const m = initiated();
    const done = snap('accepted', 'succeeded', {
      payout: {
        id: 'po_1',
        status: 'succeeded',
        fee: { amount: 1500, currency: 'rub' },
        rrn: '123456789012',
        finishedAt: T,
        refunds: [],
      },
    });
    applySnapshot(m, done);
    expect(m.view).toMatchObject({
      fee: { amount: 1500, currency: 'rub' },
      rrn: '123456789012',
      finishedAt: T,
    });
    const r = settle(m, T, 'succeeded');
    expect(r).toMatchObject({
      fee: { amount: 1500 },
      rrn: '123456789012',
      finishedAt: T,
      bankPayoutId: 'po_1',
    });
  });

  it('handles payment_finished before ready_to_confirm (bank cancelled on its own)', () => {
    const m = initiated();
    const cancelled = snap('cancelled', 'failed', { errorCode: 'confirm_timeout' });
    expect(applyWebhook(m, signal('payment_finished', cancelled), T, WF)).toBe('applied');
    expect(m.final).toEqual(cancelled);
    // the stale ready_to_confirm that arrives afterwards changes nothing
    expect(applyWebhook(m, signal('ready_to_confirm', readySnap), T, WF)).toBe('late');
    expect(m.ready).toBeUndefined();
    expect(m.view.bankSessionStatus).toBe('cancelled');
  });

  it('treats ready_to_confirm after the decision as late', () => {
    const m = initiated();
    m.view.decision = { action: 'confirm', checks: [] };
    m.view.step = 'awaiting_finish';
    expect(applyWebhook(m, signal('ready_to_confirm', readySnap), T, WF)).toBe('late');
  });

  it('keeps the first final state: a later snapshot cannot move it back', () => {
    const m = initiated();
    applySnapshot(m, succeeded);
    applySnapshot(m, readySnap);
    expect(m.final).toEqual(succeeded);
    expect(m.view.bankSessionStatus).toBe('accepted');
  });

  it('does not treat a session in error as final', () => {
    const m = initiated();
    applySnapshot(m, snap('error', 'pending'));
    expect(m.final).toBeUndefined();
    expect(m.view.bankSessionStatus).toBe('error');
  });

  it('marks a payout returned on payment_refunded', () => {
    const m = initiated();
    applySnapshot(m, succeeded);
    const refunded = snap('accepted', 'succeeded', {
      payout: {
        id: 'po_1',
        status: 'succeeded',
        refunds: [{ id: 'rf_1', status: 'accepted', amount: 1000 }],
      },
    });
    expect(applyWebhook(m, signal('payment_refunded', refunded), T, WF)).toBe('applied');
    expect(m.view.returned).toBe(true);
    expect(m.view.returns).toEqual([{ id: 'rf_1', status: 'accepted', amount: 1000 }]);
  });

  it('finishes with outcome, reason and an event', () => {
    const m = initiated();
    const r = settle(m, T, 'cancelled', { cancelReason: 'policy' });
    expect(r).toMatchObject({
      payoutId: 'p-1',
      outcome: 'cancelled',
      cancelReason: 'policy',
      sessionId: 'ps_1',
    });
    expect(m.view.step).toBe('cancelled');
    expect(m.view.events.at(-1)).toMatchObject({ kind: 'finished:cancelled', detail: 'policy' });
  });

  it('maps the bank final state to our outcome, depending on whether we confirmed', () => {
    const declined = snap('cancelled', 'failed', {
      payout: { id: 'po_1', status: 'failed', errorCode: 'declined_by_issuer_bank', refunds: [] },
    });
    expect(outcomeOfFinal(succeeded, { confirmed: true })).toEqual({ outcome: 'succeeded' });
    expect(outcomeOfFinal(declined, { confirmed: true })).toEqual({
      outcome: 'failed',
      errorCode: 'declined_by_issuer_bank',
    });
    // before our confirm the same state means the bank cancelled
    expect(outcomeOfFinal(declined, { confirmed: false })).toMatchObject({
      outcome: 'cancelled',
      cancelReason: 'bank',
    });
    const byUs = snap('cancelled', 'failed', { errorCode: 'session_cancelled_by_partner' });
    expect(outcomeOfFinal(byUs, { confirmed: false, ourCancelReason: 'policy' })).toMatchObject({
      outcome: 'cancelled',
      cancelReason: 'policy',
    });
    expect(
      outcomeOfFinal(snap('cancelled', 'failed', { errorCode: 'confirm_timeout' }), { confirmed: false }),
    ).toMatchObject({
      outcome: 'cancelled',
      cancelReason: 'bank_confirm_timeout',
    });
    expect(outcomeOfFinal(snap('error', 'pending'), { confirmed: true })).toMatchObject({
      outcome: 'unknown',
    });
  });

  it('allows operator cancel only before confirming', () => {
    expect([...CANCELLABLE_STEPS]).toEqual([
      'starting',
      'registering',
      // Before init (issue 15): the SBP check and the wait for funds; nothing has been initiated.
      'checking_recipient',
      'awaiting_funds',
      'tokenizing',
      'initiating',
      'awaiting_ready',
      'deciding',
      'awaiting_approval',
    ]);
  });
});
