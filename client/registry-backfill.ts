/**
 * Payouts started before the payout-ID registry existed never claimed their IDs (their replays must not, so
 * the workflow cannot do it for them). Once Temporal's retention deleted them, their IDs would look new.
 * The backfill closes that gap when the registry is introduced: every payout run Temporal still holds is
 * recorded as its ID's claim (runs that already claimed are left alone). Run it once after deploying the
 * registry, before the oldest pre-registry run reaches its retention: `npx tsx scripts/registry-backfill.ts`.
 */
import type { Client } from '@temporalio/client';
import type { PayoutRegistry } from '../activities/payout-registry';
import { PAYOUT_WORKFLOW_TYPE } from '../workflows/messages';

const PREFIX = 'payout-';

export interface BackfillReport {
  seen: number;
  recorded: number;
  /** Another run already holds the claim (the ID's own, or one that claimed it). */
  alreadyClaimed: number;
}

export async function backfillRegistry(
  client: Client,
  registry: PayoutRegistry,
  log: (line: string) => void = () => undefined,
): Promise<BackfillReport> {
  // When one ID has several runs in Temporal, the first one is the one that may have moved money.
  const first = new Map<string, { runId: string; startedAt: number; requestHash: string }>();
  for await (const run of client.workflow.list({ query: `WorkflowType = '${PAYOUT_WORKFLOW_TYPE}'` })) {
    if (!run.workflowId.startsWith(PREFIX)) continue;
    const known = first.get(run.workflowId);
    if (known && known.startedAt <= run.startTime.getTime()) continue;
    const requestHash = typeof run.memo?.requestHash === 'string' ? run.memo.requestHash : 'unknown';
    first.set(run.workflowId, { runId: run.runId, startedAt: run.startTime.getTime(), requestHash });
  }
  const report: BackfillReport = { seen: first.size, recorded: 0, alreadyClaimed: 0 };
  for (const [workflowId, run] of first) {
    const recorded = await registry.recordExisting({
      payoutId: workflowId.slice(PREFIX.length),
      workflowId,
      runId: run.runId,
      requestHash: run.requestHash,
    });
    if (recorded) report.recorded += 1;
    else report.alreadyClaimed += 1;
    if ((report.recorded + report.alreadyClaimed) % 1000 === 0)
      log(`${report.recorded + report.alreadyClaimed} of ${report.seen} payouts done`);
  }
  return report;
}
