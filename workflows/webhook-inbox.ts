/**
 * A durable home for webhooks no running payout was waiting for (unknown session, finished payout,
 * unsupported type), one workflow per Bank 131 session, so operators can find them in the UI and query
 * them. Upserts no search attributes: those are stored unencrypted and nothing here is for filtering.
 */
import { condition, continueAsNew, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { inboxQuery, unmatchedWebhookSignal, type WebhookInboxState } from './messages';

/** Closes after this long without a new webhook, keeping its history for operators. */
export const QUIET_PERIOD = '7 days';
/** Above this many webhooks in one run, continue as new so the history stays small. */
export const INBOX_MAX_WEBHOOKS = 500;
/** Dedup keys carried across continue-as-new; a bound on the input, far above any real session's. */
const MAX_CARRIED_DEDUP_KEYS = 5_000;

export interface WebhookInboxInput {
  sessionId: string;
  /** Set only by continue-as-new. */
  continued?: {
    seenDedupKeys: string[];
    earlierRuns: NonNullable<WebhookInboxState['earlierRuns']>;
  };
}

export async function webhookInboxWorkflow(input: WebhookInboxInput): Promise<WebhookInboxState> {
  const state: WebhookInboxState = {
    sessionId: input.sessionId,
    webhooks: [],
    earlierRuns: [...(input.continued?.earlierRuns ?? [])],
  };
  // Redeliveries of a webhook an earlier run already holds are still recognised.
  const seen = new Set(input.continued?.seenDedupKeys ?? []);
  let received = 0;

  setHandler(inboxQuery, () => state);
  setHandler(unmatchedWebhookSignal, (webhook) => {
    received += 1;
    if (seen.has(webhook.dedupKey)) return;
    seen.add(webhook.dedupKey);
    state.webhooks.push(webhook);
  });

  for (;;) {
    const receivedBefore = received;
    const more = await condition(() => received > receivedBefore, QUIET_PERIOD);
    if (!more) return state;
    // Duplicates add history without adding state, hence the server's suggestion as well.
    if (state.webhooks.length > INBOX_MAX_WEBHOOKS || workflowInfo().continueAsNewSuggested) {
      const { runId } = workflowInfo();
      log.warn('webhook inbox continues as new', { runId, webhooks: state.webhooks.length });
      await continueAsNew<typeof webhookInboxWorkflow>({
        sessionId: input.sessionId,
        continued: {
          seenDedupKeys: [...seen].slice(-MAX_CARRIED_DEDUP_KEYS),
          earlierRuns: [...(state.earlierRuns ?? []), { runId, webhooks: state.webhooks.length }],
        },
      });
    }
  }
}
