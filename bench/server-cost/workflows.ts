/**
 * One workflow shape for `bench/server-cost.ts` (one local activity, two activities) whose variants differ
 * only in the search attributes they write, the size of their payloads or the UI's summaries they carry, so
 * the server's CPU between them is those writes', bytes' or summaries' cost.
 */
import { proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activities from './activities';

const acts = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10s' });

/**
 * `upserts`: how many search-attribute upserts, each in a workflow task the run has anyway. `payload`: when
 * given, each activity takes it and returns it (the local activity's result too), as a payout's do with
 * requests, bank answers and webhooks. `summaries`: each activity carries a summary for the UI (user metadata
 * on its command), as a payout's do.
 */
export async function shapeWorkflow(
  upserts: number,
  payload: string | null = null,
  summaries = false,
): Promise<void> {
  const step = (summary: string) => {
    if (payload !== null) return acts.echo(payload);
    return summaries ? acts.nothing.executeWithOptions({ summary }, []) : acts.nothing();
  };
  await (payload === null ? local.nothing() : local.echo(payload));
  if (upserts > 0) upsertSearchAttributes({ PayoutStep: ['awaiting_ready'], Bank131SessionId: ['ps_1'] });
  await step('Init the payout with Bank 131: 1 500.00 RUB');
  if (upserts > 1) upsertSearchAttributes({ PayoutStep: ['confirming'] });
  await step('Confirm payout session ps_0123456789abcdef with Bank 131');
  if (upserts > 2) upsertSearchAttributes({ PayoutStatus: ['succeeded'], PayoutStep: ['succeeded'] });
}
