/**
 * One workflow shape for `bench/server-cost.ts` (one local activity, two activities) whose variants differ
 * only in the search attributes they write, so the server's CPU between them is those writes' cost.
 */
import { proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activities from './activities';

const acts = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10s' });

/** `upserts`: how many search-attribute upserts, each in a workflow task the run has anyway. */
export async function shapeWorkflow(upserts: number): Promise<void> {
  await local.nothing();
  if (upserts > 0) upsertSearchAttributes({ PayoutStep: ['awaiting_ready'], Bank131SessionId: ['ps_1'] });
  await acts.nothing();
  if (upserts > 1) upsertSearchAttributes({ PayoutStep: ['confirming'] });
  await acts.nothing();
  if (upserts > 2) upsertSearchAttributes({ PayoutStatus: ['succeeded'], PayoutStep: ['succeeded'] });
}
