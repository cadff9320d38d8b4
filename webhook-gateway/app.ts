/**
 * The only door from the outside into our payouts: verify Bank 131's signature over the raw body, parse,
 * route to the payout workflow, and answer 200 only once Temporal has accepted the signal. Anything we
 * cannot deliver is recorded in an inbox workflow, never dropped; when Temporal is down we answer 503 so
 * the bank retries.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebhookSchema } from '../bank131/schemas';
import { UNKNOWN_STATUS } from '../bank131/session';
import { loadPublicKey, SIGNATURE_HEADER, verifyBody } from '../bank131/signature';
import type { GatewayConfig } from '../config';
import type { Logger } from '../observability/logger';
import { createGatewayMetrics, type GatewayMetrics, type WebhookEvent } from '../observability/metrics';
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
import { isTemporalUnavailable } from './temporal-errors';

export const WEBHOOK_PATH = '/webhooks/bank131';
/** Each Temporal call; past it we answer 503 and the bank retries (the workflow dedupes a double delivery). */
const TEMPORAL_CALL_DEADLINE_MS = 5_000;
/** Hint for the bank's retry on 503 (it uses its own schedule anyway). */
const RETRY_AFTER_SECONDS = '5';
const REQUEST_ID_PATTERN = /^[\w.-]{1,128}$/;
const MAX_REPORTED_ISSUES = 5;

export interface GatewayDeps {
  client: Client;
  config: GatewayConfig;
  logger: Logger;
  taskQueue: string;
  /** Metrics hook: called once per webhook request, whatever its fate. */
  onWebhook?: (e: WebhookEvent) => void;
  /** Served at GET /metrics; a fresh registry when omitted. */
  metrics?: GatewayMetrics;
}

/** A refusal we answer on purpose (4xx), with the outcome label and a reason safe to send back. */
class WebhookRefusedError extends Error {
  override readonly name = 'WebhookRefusedError';
  constructor(
    readonly status: number,
    readonly outcome: string,
    message: string,
  ) {
    super(message);
  }
}

/** What we learned about one webhook while handling it: logged once at the end, whatever happened. */
interface WebhookContext {
  type?: string;
  sessionId?: string;
  workflowId?: string;
  reason?: string;
}

/** Errors raised by the body parser (oversize, aborted, bad encoding) carry these fields. */
function bodyParserError(err: unknown): { status: number; type: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, type } = err as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string')
    return undefined;
  return { status, type };
}

export function createGatewayApp(deps: GatewayDeps): {
  app: express.Express;
  beginShutdown: () => void;
  inFlight: () => number;
} {
  const { client, config, logger, taskQueue } = deps;
  const publicKeys = config.bankPublicKeysPem.map((pem) => loadPublicKey(pem));
  const withDeadline = <T>(fn: () => Promise<T>) =>
    client.connection.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, fn);
  let shuttingDown = false;
  let inFlight = 0;
  const metrics = deps.metrics ?? createGatewayMetrics();
  const observe = (e: WebhookEvent) => {
    metrics.recordWebhook(e);
    deps.onWebhook?.(e);
  };

  const app = express();
  app.disable('x-powered-by');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.locals.startedAt = performance.now();
    res.setHeader('x-request-id', requestId);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.status(shuttingDown ? 503 : 200).json({ status: shuttingDown ? 'shutting_down' : 'ok' });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/readyz', async (_req, res) => {
    if (shuttingDown) return void res.status(503).json({ status: 'shutting_down' });
    try {
      await withDeadline(() => client.workflowService.getSystemInfo({}));
      res.json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err: String(err) }, 'temporal not reachable');
      res.status(503).json({ status: 'temporal_unavailable' });
    }
  });

  /** The payout workflow: our ID from `metadata`, else the one carrying the session's search attribute. */
  async function findWorkflowId(
    metadataId: string | undefined,
    sessionId: string,
  ): Promise<string | undefined> {
    if (metadataId) return metadataId;
    const query = sessionLookupQuery(sessionId);
    if (!query) return undefined;
    return withDeadline(async () => {
      for await (const wf of client.workflow.list({ query, pageSize: 1 })) return wf.workflowId;
      return undefined;
    });
  }

  async function recordInInbox(payload: WebhookSignal, reason: string, workflowId?: string): Promise<void> {
    await withDeadline(() =>
      client.workflow.signalWithStart<WebhookInboxWorkflow, [InboxWebhook]>(WEBHOOK_INBOX_WORKFLOW_TYPE, {
        workflowId: inboxWorkflowId(payload.session.sessionId),
        taskQueue,
        args: [{ sessionId: payload.session.sessionId }],
        signal: unmatchedWebhookSignal,
        signalArgs: [{ ...payload, reason, workflowId }],
      }),
    );
  }

  /**
   * A webhook for a payout workflow that is no longer running. A refund (the recipient's bank sent the money
   * back, days later) goes to the payout's returns workflow, which attaches it to the payout; anything else
   * to the inbox. Returns the outcome once Temporal holds it.
   */
  async function routeAfterPayoutFinished(payload: WebhookSignal, payoutWorkflowId: string): Promise<string> {
    if (payload.type !== paymentRefundedSignal.name) {
      await recordInInbox(payload, 'workflow_not_running', payoutWorkflowId);
      return 'inbox_workflow_not_running';
    }
    const input: PayoutReturnsInput = {
      payoutWorkflowId,
      payoutId: payoutWorkflowId.replace(/^payout-/, ''),
      sessionId: payload.session.sessionId,
    };
    await withDeadline(() =>
      client.workflow.signalWithStart<PayoutReturnsWorkflow, [WebhookSignal]>(PAYOUT_RETURNS_WORKFLOW_TYPE, {
        workflowId: payoutReturnsWorkflowId(payoutWorkflowId),
        taskQueue,
        args: [input],
        signal: paymentRefundedSignal,
        signalArgs: [payload],
      }),
    );
    return 'returns';
  }

  /**
   * An authentic body we cannot read: kept whole in the inbox with the reason (so nothing the bank said is
   * lost, and operators are alerted by the outcome label and the log line), and the payout it seems to be
   * about, if any, is told to ask the bank now instead of waiting for its timeout.
   */
  async function keepUnreadable(raw: Buffer, json: unknown, parseError: string, ctx: WebhookContext) {
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
    await withDeadline(() =>
      client.workflow.signalWithStart<WebhookInboxWorkflow, [InboxWebhook]>(WEBHOOK_INBOX_WORKFLOW_TYPE, {
        workflowId: unreadableInboxId(sketch),
        taskQueue,
        args: [{ sessionId: sketch.sessionId ?? 'unknown' }],
        signal: unmatchedWebhookSignal,
        signalArgs: [payload],
      }),
    );
    if (sketch.workflowId) {
      const { workflowId } = sketch;
      await withDeadline(() =>
        client.workflow
          .getHandle(workflowId)
          .signal(webhookUnreadableSignal, { receivedAt, sessionId: sketch.sessionId, type: sketch.type }),
      ).catch((err: unknown) => {
        // A finished or unknown payout has nothing to ask: the inbox already holds the body.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    }
    return 'inbox_unreadable';
  }

  /** Returns the outcome once Temporal holds the webhook; throws for anything else. */
  async function handleWebhook(req: Request, ctx: WebhookContext): Promise<string> {
    // Verify the exact bytes the bank signed, before anything looks inside them.
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.header(SIGNATURE_HEADER);
    if (!verifyBody(raw, signature, publicKeys)) {
      throw new WebhookRefusedError(
        401,
        'bad_signature',
        signature ? 'signature does not verify' : 'missing X-PARTNER-SIGN',
      );
    }
    // From here the body is authentic: whatever it holds is accepted and kept, never refused.
    let json: unknown;
    let parseError: string | undefined;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      parseError = 'body is not valid JSON';
    }
    const parsed = parseError === undefined ? WebhookSchema.safeParse(json) : undefined;
    if (!parsed?.success) {
      parseError ??= `not a webhook we can read: ${
        parsed?.error.issues
          .slice(0, MAX_REPORTED_ISSUES)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ') ?? ''
      }`;
      return keepUnreadable(raw, json, parseError, ctx);
    }

    const route = routeWebhook(parsed.data, new Date());
    const { payload } = route;
    ctx.type = payload.type;
    ctx.sessionId = payload.session.sessionId;

    if (route.kind === 'inbox') {
      ctx.workflowId = route.workflowId;
      ctx.reason = route.reason;
      await recordInInbox(payload, route.reason, route.workflowId);
      return 'inbox_unsupported_type';
    }
    const workflowId = await findWorkflowId(route.workflowId, payload.session.sessionId);
    if (!workflowId) {
      ctx.reason = 'unknown_session';
      await recordInInbox(payload, ctx.reason);
      return 'inbox_unknown_session';
    }
    ctx.workflowId = workflowId;
    try {
      await withDeadline(() => client.workflow.getHandle(workflowId).signal(route.signal, payload));
      return 'signalled';
    } catch (err) {
      // Not found also means "already closed": a late webhook for a finished payout.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      ctx.reason = 'workflow_not_running';
      return routeAfterPayoutFinished(payload, workflowId);
    }
  }

  /** One log line and one metrics event per webhook request, whatever its fate. No body, no signature. */
  function finish(res: Response, status: number, outcome: string, ctx: WebhookContext, err?: unknown): void {
    const durationMs = performance.now() - (res.locals.startedAt as number);
    const line = {
      requestId: res.locals.requestId as string,
      status,
      outcome,
      ...ctx,
      durationMs: Math.round(durationMs * 10) / 10,
    };
    if (status >= 500) logger.error({ ...line, err }, 'webhook not accepted');
    else if (outcome === 'inbox_unreadable')
      logger.error(line, 'authentic webhook we could not read: kept in the inbox, an operator should look');
    else if (status >= 400) logger.warn(line, 'webhook refused');
    else logger.info(line, 'webhook accepted');
    observe({ type: ctx.type ?? 'unknown', status, outcome, durationMs });
  }

  app.post(
    WEBHOOK_PATH,
    (_req: Request, res: Response, next: NextFunction) => {
      if (shuttingDown) {
        res.setHeader('connection', 'close');
        res.setHeader('retry-after', RETRY_AFTER_SECONDS);
        res.status(503).json({ error: 'shutting_down' });
        finish(res, 503, 'shutting_down', {});
        return;
      }
      // Counted from here, so a graceful close also waits for bodies still being read.
      inFlight += 1;
      logger.debug({ requestId: res.locals.requestId as string }, 'webhook received');
      res.once('close', () => {
        inFlight -= 1;
      });
      next();
    },
    express.raw({ type: () => true, limit: config.bodyLimitBytes }),
    async (req: Request, res: Response) => {
      const ctx: WebhookContext = {};
      try {
        const outcome = await handleWebhook(req, ctx);
        res.status(200).json({ status: 'ok' });
        finish(res, 200, outcome, ctx);
      } catch (err) {
        if (err instanceof WebhookRefusedError) {
          ctx.reason = err.message;
          res.status(err.status).json({ error: err.outcome, reason: err.message });
          finish(res, err.status, err.outcome, ctx);
        } else if (isTemporalUnavailable(err)) {
          res.setHeader('retry-after', RETRY_AFTER_SECONDS);
          res.status(503).json({ error: 'temporal_unavailable' });
          finish(res, 503, 'temporal_unavailable', ctx, String(err));
        } else {
          res.status(500).json({ error: 'internal_error' });
          finish(res, 500, 'internal_error', ctx, err);
        }
      }
    },
  );

  // Body-parser refusals (oversize, aborted, unsupported encoding) arrive here before the handler ran.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const refused = bodyParserError(err);
    const status = refused?.status ?? 500;
    const outcome = refused?.type ?? 'internal_error';
    if (!res.headersSent) res.status(status).json({ error: outcome });
    if (req.path === WEBHOOK_PATH) finish(res, status, outcome, {}, refused ? undefined : err);
    else logger.error({ requestId: res.locals.requestId as string, err }, 'request failed');
  });

  return {
    app,
    beginShutdown: () => {
      shuttingDown = true;
    },
    inFlight: () => inFlight,
  };
}
