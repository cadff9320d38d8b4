/**
 * `list`'s filters as a Temporal visibility query over the search attributes the payout workflow keeps
 * (workflows/search-attributes.ts). Every value is checked first, so nothing a user types reaches the query
 * unquoted.
 */
import ms from 'ms';
import type { PayoutOutcome, PayoutStep } from '../workflows/messages';
import { PAYOUT_WORKFLOW_TYPE } from '../workflows/messages';
import { PUBLISHED_STEPS } from '../workflows/payout-state';
import { PayoutAmountKey, PayoutStatusKey, PayoutStepKey } from '../workflows/search-attributes';

export const LIST_STATUSES = [
  'in_progress',
  'succeeded',
  'failed',
  'cancelled',
  'unknown',
] as const satisfies readonly (PayoutOutcome | 'in_progress')[];
/** What `PayoutStep` can hold: the client's initial value, then what the workflow publishes (one home). */
export const LIST_STEPS: readonly PayoutStep[] = ['starting', ...PUBLISHED_STEPS];

export interface PayoutListFilter {
  status?: string;
  step?: string;
  /** Kopecks, inclusive. */
  minAmount?: string;
  /** An ISO date/time, or a duration back from now (`2h`, `7d`). */
  since?: string;
}

export class InvalidListFilterError extends Error {
  override readonly name = 'InvalidListFilterError';
  constructor(readonly problems: string[]) {
    super(`invalid list filter:\n  ${problems.join('\n  ')}`);
  }
}

/** The visibility query for the filters; every problem at once. */
export function payoutListQuery(filter: PayoutListFilter, now: Date = new Date()): string {
  const problems: string[] = [];
  const clauses = [`WorkflowType = '${PAYOUT_WORKFLOW_TYPE}'`];
  if (filter.status !== undefined) {
    if ((LIST_STATUSES as readonly string[]).includes(filter.status))
      clauses.push(`${PayoutStatusKey.name} = '${filter.status}'`);
    else problems.push(`--status: one of ${LIST_STATUSES.join(', ')}`);
  }
  if (filter.step !== undefined) {
    if ((LIST_STEPS as readonly string[]).includes(filter.step))
      clauses.push(`${PayoutStepKey.name} = '${filter.step}'`);
    else problems.push(`--step: one of ${LIST_STEPS.join(', ')} (the steps the workflow publishes)`);
  }
  if (filter.minAmount !== undefined) {
    if (/^\d+$/.test(filter.minAmount))
      clauses.push(`${PayoutAmountKey.name} >= ${Number(filter.minAmount)}`);
    else problems.push('--min-amount: a whole number of kopecks');
  }
  if (filter.since !== undefined) {
    const since = sinceDate(filter.since, now);
    if (since) clauses.push(`StartTime >= '${since.toISOString()}'`);
    else problems.push('--since: an ISO date (2026-11-25, 2026-11-25T10:00:00Z) or a duration (30m, 2h, 7d)');
  }
  if (problems.length > 0) throw new InvalidListFilterError(problems);
  return clauses.join(' AND ');
}

function sinceDate(value: string, now: Date): Date | undefined {
  if (/^\d+(\.\d+)?\s*[a-z]+$/i.test(value)) {
    const back = ms(value as ms.StringValue);
    return typeof back === 'number' && back > 0 ? new Date(now.getTime() - back) : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
