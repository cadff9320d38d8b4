/**
 * Pure mapping of a verified, parsed Bank 131 webhook to what the gateway does with it: which workflow
 * signal, with which payload and dedup key, and which IDs it may be routed by.
 */
import { createHash } from 'node:crypto';
import { toSessionSnapshot } from '../bank131/session-read';
import { metadataOf, readMetadata, webhookDedupKey } from '../bank131/session';
import type { Webhook } from '../bank131/schemas';
import {
  PAYOUT_WORKFLOW_TYPE,
  paymentFinishedSignal,
  paymentRefundedSignal,
  readyToConfirmSignal,
  WEBHOOK_SIGNAL_TYPES,
  type WebhookSignal,
  type WebhookSignalDefinition,
  type WebhookSignalType,
} from '../workflows/messages';

/** Every type of `WEBHOOK_SIGNAL_TYPES` has its signal (the compiler checks the list and this map agree). */
const SIGNALS: Record<WebhookSignalType, WebhookSignalDefinition> = {
  ready_to_confirm: readyToConfirmSignal,
  payment_finished: paymentFinishedSignal,
  payment_refunded: paymentRefundedSignal,
};

function isSignalType(type: string): type is WebhookSignalType {
  return (WEBHOOK_SIGNAL_TYPES as readonly string[]).includes(type);
}

export type WebhookRoute =
  | {
      kind: 'signal';
      signal: WebhookSignalDefinition;
      /** Our payout workflow ID from `metadata`, when present and well-formed. */
      workflowId?: string;
      payload: WebhookSignal;
    }
  | { kind: 'inbox'; reason: 'unsupported_type'; workflowId?: string; payload: WebhookSignal };

/**
 * Our payout workflow IDs are `payout-<payoutId>` (policy/payout-request.ts). Anything else in `metadata` is
 * not trusted as a route: a signed webhook must not be able to signal arbitrary workflows, and an ID
 * Temporal would reject must not turn into a 500.
 */
export const PAYOUT_WORKFLOW_ID_PATTERN = /^payout-[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Bank 131 session IDs look like `ps_3230`; this is wider, and still safe inside a visibility query. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export function routeWebhook(webhook: Webhook, receivedAt: Date): WebhookRoute {
  const session = toSessionSnapshot(webhook.session);
  const payload: WebhookSignal = {
    type: webhook.type,
    dedupKey: webhookDedupKey(webhook.type, session),
    session,
    receivedAt: receivedAt.toISOString(),
  };
  const metadataId = metadataOf(session)?.workflowId;
  const workflowId =
    metadataId !== undefined && PAYOUT_WORKFLOW_ID_PATTERN.test(metadataId) ? metadataId : undefined;
  const signal: WebhookSignalDefinition | undefined = isSignalType(webhook.type)
    ? SIGNALS[webhook.type]
    : undefined;
  return signal
    ? { kind: 'signal', signal, workflowId, payload }
    : { kind: 'inbox', reason: 'unsupported_type', workflowId, payload };
}

/** What can still be told of an authentic body that is not a webhook we can read: only for routing. */
export interface UnreadableSketch {
  type?: string;
  sessionId?: string;
  /** A well-formed payout workflow ID from `metadata`, when the body carries one where ours would be. */
  workflowId?: string;
  dedupKey: string;
}

/** Largest body kept verbatim in the inbox; the rest is cut (the dedup key still covers the whole body). */
export const MAX_KEPT_BODY_CHARS = 64 * 1024;

export function sketchUnreadable(raw: Buffer, json: unknown): UnreadableSketch {
  const dedupKey = `unreadable|${createHash('sha256').update(raw).digest('hex')}`;
  if (typeof json !== 'object' || json === null) return { dedupKey };
  const body = json as { type?: unknown; session?: unknown };
  const session = (typeof body.session === 'object' && body.session !== null ? body.session : {}) as {
    id?: unknown;
    metadata?: unknown;
    payments?: unknown;
    payout_list?: unknown;
  };
  const payouts = [session.payout_list, session.payments].find(Array.isArray) as unknown[] | undefined;
  const first = (payouts?.[0] ?? {}) as { metadata?: unknown };
  const ref = readMetadata(first.metadata) ?? readMetadata(session.metadata);
  const sessionId =
    typeof session.id === 'string' || typeof session.id === 'number' ? String(session.id) : undefined;
  return {
    type: typeof body.type === 'string' ? body.type : undefined,
    sessionId,
    workflowId: ref && PAYOUT_WORKFLOW_ID_PATTERN.test(ref.workflowId) ? ref.workflowId : undefined,
    dedupKey,
  };
}

/** The inbox an unreadable body goes to: its session's, or one of its own (keyed by the body's hash). */
export function unreadableInboxId(sketch: UnreadableSketch): string {
  return inboxWorkflowId(sketch.sessionId ?? sketch.dedupKey.replace('|', '-'));
}

/** A string literal for Temporal's visibility query language. */
function quoteVisibilityString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Visibility query for the session's payout; undefined when the session ID has an unexpected format. */
export function sessionLookupQuery(sessionId: string): string | undefined {
  if (!SESSION_ID_PATTERN.test(sessionId)) return undefined;
  // The format check already excludes quotes; quoting anyway keeps the query safe if the pattern widens.
  return `Bank131SessionId = ${quoteVisibilityString(sessionId)} AND WorkflowType = ${quoteVisibilityString(PAYOUT_WORKFLOW_TYPE)}`;
}

/**
 * One inbox per session. A session ID Temporal might refuse in a workflow ID (too long, control
 * characters) is hashed instead, so even such a webhook is recorded rather than refused with a 500.
 */
export function inboxWorkflowId(sessionId: string): string {
  if (SESSION_ID_PATTERN.test(sessionId)) return `bank131-webhook-inbox-${sessionId}`;
  const digest = createHash('sha256').update(sessionId, 'utf8').digest('hex').slice(0, 32);
  return `bank131-webhook-inbox-unusual-session-${digest}`;
}
