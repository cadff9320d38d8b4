/**
 * Pure mapping of a verified, parsed Bank 131 webhook to what the gateway does with it: which workflow
 * signal, with which payload and dedup key.
 */
import { toSessionSnapshot, webhookDedupKey, workflowIdFromSession } from '../bank131/session';
import type { Webhook } from '../bank131/schemas';
import {
  paymentFinishedSignal,
  paymentRefundedSignal,
  readyToConfirmSignal,
  type WebhookSignal,
} from '../workflows/messages';

const SIGNALS = {
  ready_to_confirm: readyToConfirmSignal,
  payment_finished: paymentFinishedSignal,
  payment_refunded: paymentRefundedSignal,
} as const;

export type WebhookRoute =
  | {
      kind: 'signal';
      signal: (typeof SIGNALS)[keyof typeof SIGNALS];
      workflowId?: string;
      payload: WebhookSignal;
    }
  | { kind: 'inbox'; reason: 'unsupported_type'; workflowId?: string; payload: WebhookSignal };

export function routeWebhook(webhook: Webhook, receivedAt: Date): WebhookRoute {
  const session = toSessionSnapshot(webhook.session);
  const payload: WebhookSignal = {
    type: webhook.type,
    dedupKey: webhookDedupKey(webhook.type, session),
    session,
    receivedAt: receivedAt.toISOString(),
  };
  const workflowId = workflowIdFromSession(webhook.session);
  const signal = SIGNALS[webhook.type as keyof typeof SIGNALS] as
    (typeof SIGNALS)[keyof typeof SIGNALS] | undefined;
  return signal
    ? { kind: 'signal', signal, workflowId, payload }
    : { kind: 'inbox', reason: 'unsupported_type', workflowId, payload };
}

export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Visibility query for the session's payout; undefined when the ID could not be safely quoted. */
export function sessionLookupQuery(sessionId: string): string | undefined {
  return SESSION_ID_PATTERN.test(sessionId)
    ? `Bank131SessionId = "${sessionId}" AND WorkflowType = "payoutWorkflow"`
    : undefined;
}

export function inboxWorkflowId(sessionId: string): string {
  return `bank131-webhook-inbox-${sessionId}`;
}
