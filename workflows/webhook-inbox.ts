/**
 * A durable home for webhooks no running payout was waiting for (unknown session, finished payout,
 * unsupported type), one workflow per Bank 131 session, so operators can find them in the UI.
 */
import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { inboxQuery, unmatchedWebhookSignal, type WebhookInboxState } from './messages';

const QUIET_PERIOD = '7 days';
const MAX_WEBHOOKS = 500;

export async function webhookInboxWorkflow(input: {
  sessionId: string;
  carried?: WebhookInboxState['webhooks'];
}): Promise<WebhookInboxState> {
  const state: WebhookInboxState = { sessionId: input.sessionId, webhooks: [...(input.carried ?? [])] };
  let received = 0;
  setHandler(inboxQuery, () => state);
  setHandler(unmatchedWebhookSignal, (webhook) => {
    received += 1;
    if (!state.webhooks.some((w) => w.dedupKey === webhook.dedupKey)) state.webhooks.push(webhook);
  });
  for (;;) {
    const seen = received;
    // Stays open while webhooks keep coming; closes after a quiet week, keeping its history for operators.
    const more = await condition(() => received > seen, QUIET_PERIOD);
    if (!more) return state;
    if (state.webhooks.length >= MAX_WEBHOOKS) {
      await continueAsNew<typeof webhookInboxWorkflow>({
        sessionId: input.sessionId,
        carried: state.webhooks.slice(-50),
      });
    }
  }
}
