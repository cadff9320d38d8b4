/** Everything the simulated bank did, in order: what tests and fault runs check "money moved once" against. */

export interface RequestLedgerEntry {
  kind: 'request';
  at: string;
  /** The API method, e.g. `session/confirm`. */
  endpoint: string;
  idempotencyKey?: string;
  sessionId?: string;
  workflowId?: string;
  /** `processed`, `rejected:<code>`, `fault:<kind>`, `unauthenticated` */
  outcome: string;
  /** Absent when no response was sent (a dropped connection). */
  httpStatus?: number;
}

export interface WebhookLedgerEntry {
  kind: 'webhook';
  at: string;
  type: string;
  sessionId: string;
  workflowId?: string;
  /** 1 for the first delivery attempt of this copy of the webhook. */
  attempt: number;
  httpStatus?: number;
  /** The network error, when there was no HTTP answer. */
  error?: string;
}

export type LedgerEntry = RequestLedgerEntry | WebhookLedgerEntry;
export type NewLedgerEntry = Omit<RequestLedgerEntry, 'at'> | Omit<WebhookLedgerEntry, 'at'>;

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

  record(entry: NewLedgerEntry): void {
    this.entries.push({ ...entry, at: new Date().toISOString() } as LedgerEntry);
  }

  /** The bank's last settled word on a payout (final, or `error`), kept for the summary. */
  recordFinal(workflowId: string, sessionStatus: string, payoutStatus: string): void {
    this.finals.set(workflowId, { session: sessionStatus, payout: payoutStatus });
  }

  entriesFor(workflowId: string): LedgerEntry[] {
    return this.entries.filter((e) => e.workflowId === workflowId);
  }

  confirmsProcessed(workflowId: string): number {
    return this.entries.filter(
      (e) =>
        e.kind === 'request' &&
        e.workflowId === workflowId &&
        e.endpoint === 'session/confirm' &&
        e.outcome === 'processed',
    ).length;
  }

  /** Per workflow ID: sessions created, inits / confirms / cancels the bank processed, and the final status. */
  summary(): Record<string, PayoutLedgerSummary> {
    const out: Record<string, PayoutLedgerSummary> = {};
    const of = (workflowId: string) =>
      (out[workflowId] ??= {
        sessionIds: [],
        initsProcessed: 0,
        confirmsProcessed: 0,
        cancelsProcessed: 0,
      });
    for (const e of this.entries) {
      if (e.kind !== 'request' || !e.workflowId || e.outcome !== 'processed') continue;
      const s = of(e.workflowId);
      if (e.endpoint === 'session/init/payout') {
        s.initsProcessed += 1;
        if (e.sessionId) s.sessionIds.push(e.sessionId);
      }
      if (e.endpoint === 'session/confirm') s.confirmsProcessed += 1;
      if (e.endpoint === 'session/cancel') s.cancelsProcessed += 1;
    }
    for (const [workflowId, final] of this.finals) {
      const s = of(workflowId);
      s.finalSessionStatus = final.session;
      s.finalPayoutStatus = final.payout;
    }
    return out;
  }
}
