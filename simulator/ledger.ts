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
    };

export interface PayoutLedgerSummary {
  sessionIds: string[];
  initsProcessed: number;
  confirmsProcessed: number;
  cancelsProcessed: number;
  finalSessionStatus?: string;
  finalPayoutStatus?: string;
}

export class Ledger {
  readonly entries: LedgerEntry[] = [];
  private readonly finals = new Map<string, { session: string; payout: string }>();
  private readonly variants = new Map<string, WireVariant>();

  record(entry: LedgerEntry extends infer E ? (E extends LedgerEntry ? Omit<E, 'at'> : never) : never): void {
    this.entries.push({ ...entry, at: new Date().toISOString() });
  }

  /** The wire variant the payout is rendered in, recorded when its session is created. */
  recordVariant(workflowId: string, variant: WireVariant): void {
    this.variants.set(workflowId, variant);
  }

  /** The bank's final word on a payout, kept for the summary. */
  recordFinal(workflowId: string, sessionStatus: string, payoutStatus: string): void {
    this.finals.set(workflowId, { session: sessionStatus, payout: payoutStatus });
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
