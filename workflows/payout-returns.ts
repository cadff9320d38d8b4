/**
 * Returns after a payout finished: the recipient's bank sent the money back (`payment_refunded`) days after
 * the payout workflow completed. The gateway starts this workflow, one per payout, so the return is
 * attached to its payout, findable (`PayoutReturned = true`), counted and alerted on. Before attaching a
 * return it asks the bank whether the session really is this payout's.
 */
import {
  allHandlersFinished,
  condition,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { PayoutActivities } from '../activities/types';
import { FAILURE_TYPES } from '../activities/types';
import { metadataOf, type SessionSnapshot } from '../bank131/session';
import {
  paymentRefundedSignal,
  returnsQuery,
  type PayoutReturnsInput,
  type PayoutReturnsState,
  type WebhookSignal,
} from './messages';
import type { PayoutSettings } from '../policy/settings';
import { startBackendCallback } from './backend-callback';
import { payoutReturnedEvent } from './callback-events';
import { PayoutIdKey, PayoutReturnedKey } from './search-attributes';

/** Stays open this long after the last refund webhook, for more returns of the same payout. */
export const RETURNS_QUIET_PERIOD = '30 days';

// A read: retrying it is harmless, but a return must not wait for hours for the bank to answer.
const reads = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '1h',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    nonRetryableErrorTypes: [FAILURE_TYPES.bankRejected],
  },
});

const settingsActivity = proxyLocalActivities<PayoutActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5 },
});

/** The workflow ID the bank echoes in `metadata` (on the payout or the session; a run tag may follow). */
export function sessionWorkflowId(snapshot: SessionSnapshot): string | undefined {
  return metadataOf(snapshot)?.workflowId;
}

/** Whether the bank's session was created by this payout workflow (`payout-1` is not `payout-10`). */
export function sessionBelongsTo(snapshot: SessionSnapshot, payoutWorkflowId: string): boolean {
  return payoutWorkflowId.length > 0 && sessionWorkflowId(snapshot) === payoutWorkflowId;
}

/** Stands for the refund of a `payment_refunded` that lists none (neither in the webhook nor in the status). */
export const UNKNOWN_REFUND_ID = 'unknown';

const now = (): string => new Date(Date.now()).toISOString();

export async function payoutReturnsWorkflow(input: PayoutReturnsInput): Promise<PayoutReturnsState> {
  const state: PayoutReturnsState = {
    payoutId: input.payoutId,
    payoutWorkflowId: input.payoutWorkflowId,
    sessionId: input.sessionId,
    returns: [],
    foreign: [],
  };
  // Replay-safe: the SDK does not emit workflow metrics while replaying history.
  const returnsCounter = metricMeter.createCounter(
    'payout_returns',
    'returns',
    'Returns attached to payouts after they finished',
  );
  const seen = new Set<string>();
  let flagged = false;
  const pending: WebhookSignal[] = [];

  // Handlers first: the signal that started this workflow is delivered right here.
  setHandler(returnsQuery, () => state);
  let deliveries = 0;
  const restartOnRedelivery = patched('returns-quiet-period-restarts-on-redelivery');
  setHandler(paymentRefundedSignal, (signal) => {
    deliveries += 1;
    if (seen.has(signal.dedupKey)) return;
    seen.add(signal.dedupKey);
    pending.push(signal);
  });
  // Findable by payout ID from the start; PayoutReturned only once a return is really attached.
  upsertSearchAttributes([{ key: PayoutIdKey, value: input.payoutId }]);

  const attached: PayoutReturnsState['returns'] = [];
  let settings: PayoutSettings | undefined;
  /** Each new return is told to the backend once (its event ID is the refund's), when the worker has callbacks on. */
  const notifyBackend = async () => {
    const fresh = attached.splice(0);
    if (fresh.length === 0 || !patched('returns-backend-callbacks')) return;
    settings ??= await settingsActivity.loadPayoutSettings();
    if (!settings.backendCallbacks) return;
    for (const entry of fresh) {
      const started = await startBackendCallback(
        payoutReturnedEvent(input.payoutWorkflowId, input.payoutId, entry),
      );
      state.callbacks = [...(state.callbacks ?? []), started];
    }
  };

  const attach = async (signal: WebhookSignal) => {
    const webhook = signal.session;
    const refunds = webhook.payout?.refunds ?? [];
    let status: SessionSnapshot | undefined;
    try {
      status = await reads.getSessionStatus({ sessionId: webhook.sessionId });
    } catch (err) {
      // The webhook is signed by the bank: without a status answer, its own metadata decides.
      log.warn('session status unavailable for a refund; judging by the webhook', {
        sessionId: webhook.sessionId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    const judged = status ?? webhook;
    if (!sessionBelongsTo(judged, input.payoutWorkflowId)) {
      state.foreign.push({
        sessionId: webhook.sessionId,
        refundIds: refunds.map((r) => r.id),
        at: signal.receivedAt || now(),
        sessionWorkflowId: sessionWorkflowId(judged),
        dedupKey: signal.dedupKey,
      });
      log.warn('refund webhook for a session of another payout not attached', {
        payoutWorkflowId: input.payoutWorkflowId,
        sessionId: webhook.sessionId,
        sessionWorkflowId: sessionWorkflowId(judged),
      });
      return;
    }
    // A refund webhook without refund details is still a return: keep it under a placeholder ID.
    const listed =
      refunds.length > 0
        ? refunds
        : (status?.payout?.refunds ?? []).length > 0
          ? (status?.payout?.refunds ?? [])
          : [{ id: UNKNOWN_REFUND_ID, status: 'unknown', amount: undefined }];
    for (const refund of listed) {
      const shown = status?.payout?.refunds.find((r) => r.id === refund.id);
      const entry = {
        refundId: refund.id,
        status: refund.status,
        amount: refund.amount ?? shown?.amount,
        at: signal.receivedAt || now(),
        sessionId: webhook.sessionId,
        confirmedByStatus: shown !== undefined,
      };
      const known = state.returns.find((r) => r.refundId === refund.id);
      if (known) {
        // Same refund, new status (e.g. pending → accepted): update it, do not count or alert twice.
        Object.assign(known, {
          ...entry,
          at: known.at,
          confirmedByStatus: known.confirmedByStatus || entry.confirmedByStatus,
        });
        continue;
      }
      state.returns.push(entry);
      attached.push(entry);
      returnsCounter.add(1, { confirmed_by_status: String(entry.confirmedByStatus) });
      // The alert line. Our IDs, status and amount only: no account data.
      log.error('payout returned after it finished', {
        payoutId: input.payoutId,
        payoutWorkflowId: input.payoutWorkflowId,
        sessionId: webhook.sessionId,
        refundId: entry.refundId,
        refundStatus: entry.status,
        amount: entry.amount,
        confirmedByStatus: entry.confirmedByStatus,
      });
    }
    if (!flagged && state.returns.length > 0) {
      upsertSearchAttributes([{ key: PayoutReturnedKey, value: true }]);
      flagged = true;
    }
  };

  for (;;) {
    while (pending.length > 0) {
      await attach(pending.shift() as WebhookSignal);
      await notifyBackend();
    }
    // A redelivery restarts the quiet period too: closing while the bank still resends would start a new
    // run that no longer knows the refund, and count and alert it again. Runs started before this wait
    // only for new refunds.
    const deliveriesBefore = deliveries;
    const more = await condition(
      () => pending.length > 0 || (restartOnRedelivery && deliveries > deliveriesBefore),
      RETURNS_QUIET_PERIOD,
    );
    if (!more && pending.length === 0) break;
  }
  await condition(allHandlersFinished);
  return state;
}
