/** Everything the simulated bank did, in order: what tests and fault runs check "money moved once" against. */
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

  record(entry: LedgerEntry extends infer E ? (E extends LedgerEntry ? Omit<E, 'at'> : never) : never): void {
    this.entries.push({ ...entry, at: new Date().toISOString() });
  }

  /** The bank's final word on a payout, kept for the summary. */
  recordFinal(workflowId: string, sessionStatus: string, payoutStatus: string): void {
    this.finals.set(workflowId, { session: sessionStatus, payout: payoutStatus });
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
