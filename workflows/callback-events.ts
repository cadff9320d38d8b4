/**
 * The events the backend is told about, built from what the workflows know: IDs, amounts, statuses; no
 * account data. Event IDs are `<payout workflow ID>#finished` and `<payout workflow ID>#returned#<refund ID>`:
 * `#` cannot occur in a payout ID, so no two events share an ID.
 */
import type { RefundSnapshot } from '../bank131/session';
import type { CallbackEvent } from '../client/callbacks';
import type { PayoutRequest, PayoutResult } from './messages';

/**
 * Sent once per payout, when it ends (any outcome, `unknown` included: the backend must hold the money).
 * Returns the bank reported while the payout ran come with it (`returned`, `returns`); later ones each get a
 * `payout.returned` event from the returns workflow.
 */
export function payoutFinishedEvent(
  workflowId: string,
  request: PayoutRequest,
  result: PayoutResult,
  returns: readonly RefundSnapshot[] = [],
): CallbackEvent {
  return {
    id: `${workflowId}#finished`,
    type: 'payout.finished',
    payoutId: request.payoutId,
    data: {
      outcome: result.outcome,
      amount: request.amount,
      currency: request.currency,
      ...pick(result, ['sessionId', 'bankPayoutId', 'errorCode', 'cancelReason', 'rrn', 'fee', 'finishedAt']),
      returned: result.returned,
      ...(returns.length > 0
        ? { returns: returns.map((r) => ({ refundId: r.id, status: r.status, amount: r.amount })) }
        : {}),
    },
  };
}

/** Sent once per refund the bank reported after the payout finished. */
export function payoutReturnedEvent(
  payoutWorkflowId: string,
  payoutId: string,
  ret: {
    refundId: string;
    status: string;
    amount?: number;
    at: string;
    sessionId: string;
    confirmedByStatus: boolean;
  },
): CallbackEvent {
  return {
    id: `${payoutWorkflowId}#returned#${ret.refundId}`,
    type: 'payout.returned',
    payoutId,
    data: { ...ret },
  };
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
