/**
 * One signed callback to the backend, delivered until it is accepted. Started by the payout workflow (its
 * outcome) and the returns workflow (a return) as a child they abandon: the payout's result never waits for
 * the backend, and a backend that is down for hours still gets the event, exactly one ID, once it is up.
 */
import {
  ActivityFailure,
  log,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  defineQuery,
  ParentClosePolicy,
} from '@temporalio/workflow';
import type { CallbackActivities } from '../activities/types';
import type { CallbackEvent } from '../client/callbacks';

export interface BackendCallbackInput {
  event: CallbackEvent;
  /** The retry schedule, when not CALLBACK_RETRY's (payouts never set it; tests and operators may). */
  retry?: Partial<typeof CALLBACK_RETRY>;
}

export interface CallbackAttempt {
  at: string;
  ok: boolean;
  httpStatus?: number;
  error?: string;
}

export interface BackendCallbackState {
  eventId: string;
  type: string;
  delivered: boolean;
  /** True when the retry period ran out without an answer: an operator must tell the backend. */
  gaveUp: boolean;
  attemptCount: number;
  /** The last attempts (bounded, so a backend down for days does not grow the state without end). */
  attempts: CallbackAttempt[];
}

export const callbackDeliveriesQuery = defineQuery<BackendCallbackState>('deliveries');

/** Retry schedule: 1 s doubling to 10 min, for 3 days; a backend down longer is an operator's problem. */
export const CALLBACK_RETRY = {
  initialMs: 1_000,
  maxIntervalMs: 10 * 60_000,
  maxDurationMs: 3 * 24 * 3_600_000,
};
const KEPT_ATTEMPTS = 20;

/** One workflow per event, so an event can never be started (or delivered as new) twice. */
export function backendCallbackWorkflowId(eventId: string): string {
  return `callback-${eventId}`;
}

// One attempt per activity: each attempt lands in the state, the workflow's timers do the backoff.
const delivery = proxyActivities<CallbackActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 },
  summary: 'POST signed callback to the backend',
});

const now = (): string => new Date(Date.now()).toISOString();

export async function backendCallbackWorkflow(input: BackendCallbackInput): Promise<BackendCallbackState> {
  const state: BackendCallbackState = {
    eventId: input.event.id,
    type: input.event.type,
    delivered: false,
    gaveUp: false,
    attemptCount: 0,
    attempts: [],
  };
  setHandler(callbackDeliveriesQuery, () => state);
  const retry = { ...CALLBACK_RETRY, ...input.retry };
  const deadline = Date.now() + retry.maxDurationMs;
  let interval = retry.initialMs;
  for (;;) {
    state.attemptCount += 1;
    const attempt: CallbackAttempt = { at: now(), ok: false };
    try {
      const answer = await delivery.deliverCallback({ event: input.event });
      Object.assign(attempt, { ok: true, httpStatus: answer.httpStatus });
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      attempt.error = cause instanceof Error ? cause.message : String(cause);
    }
    state.attempts = [...state.attempts, attempt].slice(-KEPT_ATTEMPTS);
    if (attempt.ok) {
      state.delivered = true;
      return state;
    }
    if (Date.now() + interval > deadline) {
      state.gaveUp = true;
      log.error('backend callback not delivered: the backend never accepted it', {
        eventId: state.eventId,
        attempts: state.attemptCount,
      });
      return state;
    }
    await sleep(interval, { summary: `retry the backend callback in ${Math.round(interval / 1000)} s` });
    interval = Math.min(interval * 2, retry.maxIntervalMs);
  }
}

/** What the parent keeps of a callback it started (the attempts are the child's `deliveries` query). */
export interface StartedCallback {
  eventId: string;
  type: string;
  workflowId: string;
  startError?: string;
}

/** Starts the delivery and returns once it is durably started; never throws (the payout's outcome stands). */
export async function startBackendCallback(event: CallbackEvent): Promise<StartedCallback> {
  const workflowId = backendCallbackWorkflowId(event.id);
  const started: StartedCallback = { eventId: event.id, type: event.type, workflowId };
  try {
    await startChild(backendCallbackWorkflow, {
      workflowId,
      args: [{ event }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${event.type} callback for payout ${event.payoutId}`,
      workflowExecutionTimeout: CALLBACK_RETRY.maxDurationMs + 3_600_000,
    });
  } catch (err) {
    // Already started (a redelivered return): the event is on its way under the same ID.
    started.startError = err instanceof Error ? err.message : String(err);
    log.warn('backend callback not started', { eventId: event.id, error: started.startError });
  }
  return started;
}
