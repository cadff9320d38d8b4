/**
 * One workflow shape for `bench/server-cost.ts` (one local activity, two activities) whose variants differ
 * only in the search attributes they write or in the size of their payloads, so the server's CPU between them
 * is those writes' or those bytes' cost.
 */
import { proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activities from './activities';

const acts = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10s' });

/**
 * `upserts`: how many search-attribute upserts, each in a workflow task the run has anyway. `payload`: when
 * given, each activity takes it and returns it (the local activity's result too), as a payout's do with
 * requests, bank answers and webhooks.
 */
export async function shapeWorkflow(upserts: number, payload?: string): Promise<void> {
  const step = () => (payload === undefined ? acts.nothing() : acts.echo(payload));
  await (payload === undefined ? local.nothing() : local.echo(payload));
  if (upserts > 0) upsertSearchAttributes({ PayoutStep: ['awaiting_ready'], Bank131SessionId: ['ps_1'] });
  await step();
  if (upserts > 1) upsertSearchAttributes({ PayoutStep: ['confirming'] });
  await step();
  if (upserts > 2) upsertSearchAttributes({ PayoutStatus: ['succeeded'], PayoutStep: ['succeeded'] });
}
