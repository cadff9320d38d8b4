/**
 * Everything the simulated bank did, in order: what tests and fault runs check "money moved once" against. It
 * knows the bank's side only, so it can judge the client without asking it.
 */
import { WIRE_DIMENSION_NAMES, type WireVariant } from './wire';

export type LedgerEntry =
  | {
      kind: 'request';
      at: string;
      endpoint: string;
      idempotencyKey?: string;
      sessionId?: string;
      workflowId?: string;
      /** `processed`, `rejected:<code>`, `fault:<kind>`, `unauthenticated` */
      outcome: string;
      httpStatus?: number;
    }
  | {
      kind: 'webhook';
      at: string;
      type: string;
      sessionId: string;
      workflowId?: string;
      attempt: number;
      httpStatus?: number;
      error?: string;
      /** The signed body as sent, so a test can see what the receiver acknowledged. */
      body: unknown;
    }
  | {
      kind: 'refund';
      at: string;
      sessionId: string;
      workflowId: string;
      refundId: string;
      amount: number;
    };

/**
 * `yes`: a payout succeeded. `no`: every session was cancelled (or none was created), so none ever will.
 * `ambiguous`: a session is in `error`, where the docs say the result is unknown. `pending`: a session may
 * still pay.
 */
export type MoneyMoved = 'yes' | 'no' | 'ambiguous' | 'pending';

export interface PayoutLedgerSummary {
  sessionIds: string[];
  initsProcessed: number;
  confirmsProcessed: number;
  cancelsProcessed: number;
  finalSessionStatus?: string;
  finalPayoutStatus?: string;
}

interface SessionState {
  session: string;
  payout: string;
}

export class Ledger {
  readonly entries: LedgerEntry[] = [];
  private readonly finals = new Map<string, { session: string; payout: string }>();
  /** workflowId → sessionId → the session's latest state. */
  private readonly sessions = new Map<string, Map<string, SessionState>>();
  private readonly variants = new Map<string, WireVariant>();

  record(entry: LedgerEntry extends infer E ? (E extends LedgerEntry ? Omit<E, 'at'> : never) : never): void {
    this.entries.push({ ...entry, at: new Date().toISOString() });
  }

  /** A session the bank created for the payout, and the wire variant the payout is rendered in. */
  recordSession(workflowId: string, sessionId: string, variant: WireVariant): void {
    const byId = this.sessions.get(workflowId) ?? new Map<string, SessionState>();
    byId.set(sessionId, { session: 'in_progress', payout: 'in_progress' });
    this.sessions.set(workflowId, byId);
    this.variants.set(workflowId, variant);
  }

  /** The bank's final word on a session, kept for the summary and for moneyMoved. */
  recordFinal(workflowId: string, sessionId: string, sessionStatus: string, payoutStatus: string): void {
    this.finals.set(workflowId, { session: sessionStatus, payout: payoutStatus });
    this.sessions.get(workflowId)?.set(sessionId, { session: sessionStatus, payout: payoutStatus });
  }

  recordRefund(workflowId: string, sessionId: string, refundId: string, amount: number): void {
    this.record({ kind: 'refund', workflowId, sessionId, refundId, amount });
  }

  sessionsCreated(workflowId: string): number {
    return this.sessions.get(workflowId)?.size ?? 0;
  }

  moneyMoved(workflowId: string): MoneyMoved {
    const states = [...(this.sessions.get(workflowId)?.values() ?? [])];
    if (states.some((s) => s.payout === 'succeeded')) return 'yes';
    if (states.some((s) => s.session === 'error')) return 'ambiguous';
    if (states.every((s) => s.session === 'cancelled')) return 'no';
    return 'pending';
  }

  refunds(workflowId: string): Extract<LedgerEntry, { kind: 'refund' }>[] {
    return this.entries.filter(
      (e): e is Extract<LedgerEntry, { kind: 'refund' }> =>
        e.kind === 'refund' && e.workflowId === workflowId,
    );
  }

  /** Every webhook delivery attempt, with the receiver's HTTP answer (all payouts when no workflowId). */
  webhookDeliveries(workflowId?: string): Extract<LedgerEntry, { kind: 'webhook' }>[] {
    return this.entries.filter(
      (e): e is Extract<LedgerEntry, { kind: 'webhook' }> =>
        e.kind === 'webhook' && (workflowId === undefined || e.workflowId === workflowId),
    );
  }

  /** The deliveries the receiver acknowledged with a 2xx. */
  acknowledgedWebhooks(workflowId?: string): Extract<LedgerEntry, { kind: 'webhook' }>[] {
    return this.webhookDeliveries(workflowId).filter(
      (e) => e.httpStatus !== undefined && e.httpStatus >= 200 && e.httpStatus < 300,
    );
  }

  variantOf(workflowId: string): WireVariant | undefined {
    return this.variants.get(workflowId);
  }

  /** How many payouts were rendered with each `dimension=value`, for a report on what a run covered. */
  variantCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const v of this.variants.values())
      for (const d of WIRE_DIMENSION_NAMES)
        counts[`${d}=${String(v[d])}`] = (counts[`${d}=${String(v[d])}`] ?? 0) + 1;
    return counts;
  }

  /** One payout's summary; all zeros when the bank never processed anything for it. */
  summaryFor(workflowId: string): PayoutLedgerSummary {
    return (
      this.summary()[workflowId] ?? {
        sessionIds: [],
        initsProcessed: 0,
        confirmsProcessed: 0,
        cancelsProcessed: 0,
      }
    );
  }

  confirmsProcessed(workflowId: string): number {
    return this.summaryFor(workflowId).confirmsProcessed;
  }

  summary(): Record<string, PayoutLedgerSummary> {
    const out: Record<string, PayoutLedgerSummary> = {};
    for (const e of this.entries) {
      if (e.kind !== 'request' || !e.workflowId || e.outcome !== 'processed') continue;
      const s = (out[e.workflowId] ??= {
        sessionIds: [],
        initsProcessed: 0,
        confirmsProcessed: 0,
        cancelsProcessed: 0,
      });
      if (e.sessionId && !s.sessionIds.includes(e.sessionId)) s.sessionIds.push(e.sessionId);
      if (e.endpoint === 'session/init/payout') s.initsProcessed += 1;
      if (e.endpoint === 'session/confirm') s.confirmsProcessed += 1;
      if (e.endpoint === 'session/cancel') s.cancelsProcessed += 1;
    }
    for (const [workflowId, final] of this.finals) {
      const s = (out[workflowId] ??= {
        sessionIds: [],
        initsProcessed: 0,
        confirmsProcessed: 0,
        cancelsProcessed: 0,
      });
      s.finalSessionStatus = final.session;
      s.finalPayoutStatus = final.payout;
    }
    return out;
  }
}
