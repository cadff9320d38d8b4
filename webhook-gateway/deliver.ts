/**
 * Where a verified webhook goes, and the outcome once Temporal holds it: its payout workflow (by our ID in
 * `metadata`, else by the session's search attribute), the payout's returns workflow for a refund that came
 * after the payout finished, or the inbox for anything we cannot deliver, so that nothing is dropped.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Webhook } from '../bank131/schemas';
import { UNKNOWN_STATUS } from '../bank131/session';
import {
  PAYOUT_RETURNS_WORKFLOW_TYPE,
  paymentRefundedSignal,
  payoutReturnsWorkflowId,
  unmatchedWebhookSignal,
  webhookUnreadableSignal,
  WEBHOOK_INBOX_WORKFLOW_TYPE,
  type InboxWebhook,
  type PayoutReturnsInput,
  type PayoutReturnsWorkflow,
  type WebhookInboxWorkflow,
  type WebhookSignal,
} from '../workflows/messages';
import {
  inboxWorkflowId,
  MAX_KEPT_BODY_CHARS,
  routeWebhook,
  sessionLookupQuery,
  sketchUnreadable,
  unreadableInboxId,
} from './mapping';

/** Each Temporal call; past it we answer 503 and the bank retries (the workflow dedupes a double delivery). */
const TEMPORAL_CALL_DEADLINE_MS = 5_000;

/** Runs one Temporal call under the gateway's deadline. */
export function withTemporalDeadline<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  return client.connection.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, fn);
}

/** What we learned about one webhook while handling it: logged once at the end, whatever happened. */
export interface WebhookContext {
  type?: string;
  sessionId?: string;
  workflowId?: string;
  reason?: string;
}

export class WebhookDelivery {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** A readable webhook to its payout, returns workflow or the inbox; the outcome once Temporal holds it. */
  async deliver(webhook: Webhook, ctx: WebhookContext): Promise<string> {
    const route = routeWebhook(webhook, new Date());
    const { payload } = route;
    ctx.type = payload.type;
    ctx.sessionId = payload.session.sessionId;

    if (route.kind === 'inbox') {
      ctx.workflowId = route.workflowId;
      ctx.reason = route.reason;
      await this.recordInInbox(payload, route.reason, route.workflowId);
      return 'inbox_unsupported_type';
    }
    const workflowId = await this.findWorkflowId(route.workflowId, payload.session.sessionId);
    if (!workflowId) {
      ctx.reason = 'unknown_session';
      await this.recordInInbox(payload, ctx.reason);
      return 'inbox_unknown_session';
    }
    ctx.workflowId = workflowId;
    try {
      await this.withDeadline(() => this.client.workflow.getHandle(workflowId).signal(route.signal, payload));
      return 'signalled';
    } catch (err) {
      // Not found also means "already closed": a late webhook for a finished payout.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      ctx.reason = 'workflow_not_running';
      return this.routeAfterPayoutFinished(payload, workflowId);
    }
  }

  /**
   * An authentic body we cannot read: kept whole in the inbox with the reason (so nothing the bank said is
   * lost, and operators are alerted by the outcome label and the log line), and the payout it seems to be
   * about, if any, is told to ask the bank now instead of waiting for its timeout.
   */
  async keepUnreadable(raw: Buffer, json: unknown, parseError: string, ctx: WebhookContext): Promise<string> {
    const sketch = sketchUnreadable(raw, json);
    const receivedAt = new Date().toISOString();
    Object.assign(ctx, { type: sketch.type, sessionId: sketch.sessionId, workflowId: sketch.workflowId });
    ctx.reason = parseError;
    const text = raw.toString('utf8');
    const payload: InboxWebhook = {
      type: sketch.type ?? 'unknown',
      dedupKey: sketch.dedupKey,
      session: { sessionId: sketch.sessionId ?? 'unknown', status: UNKNOWN_STATUS },
      receivedAt,
      reason: 'unreadable',
      ...(sketch.workflowId ? { workflowId: sketch.workflowId } : {}),
      parseError,
      raw: text.length > MAX_KEPT_BODY_CHARS ? `${text.slice(0, MAX_KEPT_BODY_CHARS)}…` : text,
    };
    await this.withDeadline(() =>
      this.client.workflow.signalWithStart<WebhookInboxWorkflow, [InboxWebhook]>(
        WEBHOOK_INBOX_WORKFLOW_TYPE,
        {
          workflowId: unreadableInboxId(sketch),
          taskQueue: this.taskQueue,
          args: [{ sessionId: sketch.sessionId ?? 'unknown' }],
          signal: unmatchedWebhookSignal,
          signalArgs: [payload],
        },
      ),
    );
    if (sketch.workflowId) {
      const { workflowId } = sketch;
      await this.withDeadline(() =>
        this.client.workflow
          .getHandle(workflowId)
          .signal(webhookUnreadableSignal, { receivedAt, sessionId: sketch.sessionId, type: sketch.type }),
      ).catch((err: unknown) => {
        // A finished or unknown payout has nothing to ask: the inbox already holds the body.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    }
    return 'inbox_unreadable';
  }

  private withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return withTemporalDeadline(this.client, fn);
  }

  /** The payout workflow: our ID from `metadata`, else the one carrying the session's search attribute. */
  private async findWorkflowId(
    metadataId: string | undefined,
    sessionId: string,
  ): Promise<string | undefined> {
    if (metadataId) return metadataId;
    const query = sessionLookupQuery(sessionId);
    if (!query) return undefined;
    return this.withDeadline(async () => {
      for await (const wf of this.client.workflow.list({ query, pageSize: 1 })) return wf.workflowId;
      return undefined;
    });
  }

  private async recordInInbox(payload: WebhookSignal, reason: string, workflowId?: string): Promise<void> {
    await this.withDeadline(() =>
      this.client.workflow.signalWithStart<WebhookInboxWorkflow, [InboxWebhook]>(
        WEBHOOK_INBOX_WORKFLOW_TYPE,
        {
          workflowId: inboxWorkflowId(payload.session.sessionId),
          taskQueue: this.taskQueue,
          args: [{ sessionId: payload.session.sessionId }],
          signal: unmatchedWebhookSignal,
          signalArgs: [{ ...payload, reason, workflowId }],
        },
      ),
    );
  }

  /**
   * A webhook for a payout workflow that is no longer running. A refund (the recipient's bank sent the money
   * back, days later) goes to the payout's returns workflow, which attaches it to the payout; anything else
   * to the inbox.
   */
  private async routeAfterPayoutFinished(payload: WebhookSignal, payoutWorkflowId: string): Promise<string> {
    if (payload.type !== paymentRefundedSignal.name) {
      await this.recordInInbox(payload, 'workflow_not_running', payoutWorkflowId);
      return 'inbox_workflow_not_running';
    }
    const input: PayoutReturnsInput = {
      payoutWorkflowId,
      payoutId: payoutWorkflowId.replace(/^payout-/, ''),
      sessionId: payload.session.sessionId,
    };
    await this.withDeadline(() =>
      this.client.workflow.signalWithStart<PayoutReturnsWorkflow, [WebhookSignal]>(
        PAYOUT_RETURNS_WORKFLOW_TYPE,
        {
          workflowId: payoutReturnsWorkflowId(payoutWorkflowId),
          taskQueue: this.taskQueue,
          args: [input],
          signal: paymentRefundedSignal,
          signalArgs: [payload],
        },
      ),
    );
    return 'returns';
  }
}
