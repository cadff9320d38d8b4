/**
 * The only door from the outside into our payouts: verify Bank 131's signature over the raw body, parse,
 * route to the payout workflow, and answer 200 only once Temporal has accepted the signal. Anything we
 * cannot deliver is recorded in an inbox workflow, never dropped; when Temporal is down we answer 503 so
 * the bank retries. The steps live in verify.ts, deliver.ts and health.ts; this file wires them to HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { loadPublicKey, SIGNATURE_HEADER } from '../bank131/signature';
import type { GatewayConfig } from '../config';
import type { Logger } from '../observability/logger';
import {
  createGatewayMetrics,
  registerPayoutGauges,
  type GatewayMetrics,
  type WebhookEvent,
} from '../observability/metrics';
import { httpServerSpan, requestSpan } from '../observability/spans';
import { PAYOUT_WORKFLOW_TYPE } from '../workflows/messages';
import { WebhookDelivery, withTemporalDeadline, type WebhookContext } from './deliver';
import { internalRouter, livenessRouter } from './health';
import { ReplayGuard } from './replay-guard';
import { SessionRateLimiter } from './session-rate-limit';
import { isTemporalUnavailable } from './temporal-errors';
import { readWebhook, verifySignature, WebhookRefusedError } from './verify';

export const WEBHOOK_PATH = '/webhooks/bank131';
/** Hint for the bank's retry on 503 (it uses its own schedule anyway). */
const RETRY_AFTER_SECONDS = '5';
const REQUEST_ID_PATTERN = /^[\w.-]{1,128}$/;

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

/** What graceful shutdown needs to know: whether it began, and how many webhooks are still being handled. */
interface GatewayState {
  shuttingDown: boolean;
  inFlight: number;
}

/** Logs one line and records one metrics event for a webhook request, whatever its fate. */
type ReportWebhook = (
  res: Response,
  status: number,
  outcome: string,
  ctx: WebhookContext,
  err?: unknown,
) => void;

export function createGatewayApp(deps: GatewayDeps): {
  /** The public port: the webhook path and `/healthz`, nothing else. */
  app: express.Express;
  /** The internal port: `/healthz`, `/readyz`, `/metrics`. */
  internalApp: express.Express;
  beginShutdown: () => void;
  inFlight: () => number;
} {
  const { client, config, logger, taskQueue } = deps;
  const state: GatewayState = { shuttingDown: false, inFlight: 0 };
  const metrics = deps.metrics ?? createGatewayMetrics();
  registerPayoutGauges(
    metrics.registry,
    async (query) => (await withTemporalDeadline(client, () => client.workflow.count(query))).count,
    PAYOUT_WORKFLOW_TYPE,
  );
  const report = webhookReporter(logger, (e) => {
    metrics.recordWebhook(e);
    deps.onWebhook?.(e);
  });
  const publicKeys = config.bankPublicKeysPem.map((pem) => loadPublicKey(pem));
  const delivery = new WebhookDelivery(client, taskQueue);
  const replays = new ReplayGuard({ windowMs: config.replayWindowMs, maxEntries: config.replayCacheEntries });
  const sessionRates = new SessionRateLimiter({
    limit: config.sessionRateLimit,
    windowMs: config.sessionRateWindowMs,
    maxEntries: config.sessionRateEntries,
  });
  const isShuttingDown = () => state.shuttingDown;

  const app = express();
  app.disable('x-powered-by');
  app.use(assignRequestId);
  app.use(livenessRouter(isShuttingDown));
  app.post(
    WEBHOOK_PATH,
    httpServerSpan(WEBHOOK_PATH),
    admitWebhook(state, config.maxInFlight, logger, report),
    express.raw({ type: () => true, limit: config.bodyLimitBytes }),
    answerWebhook((req, ctx) => handleWebhook(req, ctx, publicKeys, delivery, replays, sessionRates), report),
  );
  app.use(requestErrorHandler(logger, report));

  const internalApp = express();
  internalApp.disable('x-powered-by');
  internalApp.use(assignRequestId);
  internalApp.use(internalRouter({ client, logger, metrics, isShuttingDown }));

  return {
    app,
    internalApp,
    beginShutdown: () => {
      state.shuttingDown = true;
    },
    inFlight: () => state.inFlight,
  };
}

/** Keeps the caller's request ID when it is usable, else makes one; echoed on the answer. */
function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('x-request-id');
  const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = requestId;
  res.locals.startedAt = performance.now();
  res.setHeader('x-request-id', requestId);
  next();
}

/**
 * Once shutdown began, or with too many webhooks already being handled, 503 with Retry-After (the bank
 * retries); otherwise count the webhook as in flight.
 */
function admitWebhook(
  state: GatewayState,
  maxInFlight: number,
  logger: Logger,
  report: ReportWebhook,
): RequestHandler {
  return (_req, res, next) => {
    const refusal = state.shuttingDown
      ? 'shutting_down'
      : state.inFlight >= maxInFlight
        ? 'overloaded'
        : undefined;
    if (refusal) {
      if (state.shuttingDown) res.setHeader('connection', 'close');
      res.setHeader('retry-after', RETRY_AFTER_SECONDS);
      res.status(503).json({ error: refusal });
      report(res, 503, refusal, {});
      return;
    }
    // Counted from here, so a graceful close also waits for bodies still being read.
    state.inFlight += 1;
    logger.debug({ requestId: res.locals.requestId as string }, 'webhook received');
    res.once('close', () => {
      state.inFlight -= 1;
    });
    next();
  };
}

/** Returns the outcome once Temporal holds the webhook; throws for anything else. */
async function handleWebhook(
  req: Request,
  ctx: WebhookContext,
  publicKeys: KeyObject[],
  delivery: WebhookDelivery,
  replays: ReplayGuard,
  sessionRates: SessionRateLimiter,
): Promise<string> {
  // Verify the exact bytes the bank signed, before anything looks inside them.
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  verifySignature(raw, req.header(SIGNATURE_HEADER), publicKeys);
  // From here the body is authentic: whatever it holds is kept, never refused; at most delayed (429).
  const { outcome } = await replays.once(raw, () => {
    const read = readWebhook(raw);
    if ('parseError' in read) return delivery.keepUnreadable(raw, read.json, read.parseError, ctx);
    // A 429 is thrown inside the replay guard, so it does not remember the body: the bank's retry gets in.
    const rate = sessionRates.take(read.webhook.session.id);
    if (!rate.allowed) {
      ctx.sessionId = read.webhook.session.id;
      throw new WebhookRefusedError(
        429,
        'session_rate_limited',
        'too many webhooks for this session; retry later',
        rate.retryAfterSeconds,
      );
    }
    return delivery.deliver(read.webhook, ctx);
  });
  return outcome;
}

/** 200 once Temporal holds the webhook; a refusal as it says; 503 when Temporal is down; else 500. */
function answerWebhook(
  handle: (req: Request, ctx: WebhookContext) => Promise<string>,
  report: ReportWebhook,
): RequestHandler {
  return async (req, res) => {
    const ctx: WebhookContext = {};
    try {
      const outcome = await handle(req, ctx);
      res.status(200).json({ status: 'ok' });
      report(res, 200, outcome, ctx);
    } catch (err) {
      if (err instanceof WebhookRefusedError) {
        ctx.reason = err.message;
        if (err.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(err.retryAfterSeconds));
        res.status(err.status).json({ error: err.outcome, reason: err.message });
        report(res, err.status, err.outcome, ctx);
      } else if (isTemporalUnavailable(err)) {
        res.setHeader('retry-after', RETRY_AFTER_SECONDS);
        res.status(503).json({ error: 'temporal_unavailable' });
        report(res, 503, 'temporal_unavailable', ctx, String(err));
      } else {
        res.status(500).json({ error: 'internal_error' });
        report(res, 500, 'internal_error', ctx, err);
      }
    }
  };
}

/** Body-parser refusals (oversize, aborted, unsupported encoding) arrive here before the handler ran. */
function requestErrorHandler(logger: Logger, report: ReportWebhook) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const refused = bodyParserError(err);
    const status = refused?.status ?? 500;
    const outcome = refused?.type ?? 'internal_error';
    if (!res.headersSent) res.status(status).json({ error: outcome });
    if (req.path === WEBHOOK_PATH) report(res, status, outcome, {}, refused ? undefined : err);
    else logger.error({ requestId: res.locals.requestId as string, err }, 'request failed');
  };
}

/** Errors raised by the body parser (oversize, aborted, bad encoding) carry these fields. */
function bodyParserError(err: unknown): { status: number; type: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, type } = err as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string')
    return undefined;
  return { status, type };
}

/** Outcomes that are the routine path: logged at debug (the metrics count them), so info stays quiet. */
const ROUTINE_OUTCOMES: ReadonlySet<string> = new Set(['signalled', 'replayed_body']);

/** One log line and one metrics event per webhook request. No body, no signature. */
export function webhookReporter(logger: Logger, observe: (e: WebhookEvent) => void): ReportWebhook {
  return (res, status, outcome, ctx, err) => {
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
    else if (ROUTINE_OUTCOMES.has(outcome)) logger.debug(line, 'webhook accepted');
    else logger.info(line, 'webhook accepted');
    requestSpan(res)?.setAttributes({
      'bank131.webhook.type': ctx.type,
      'bank131.session_id': ctx.sessionId,
      'temporal.workflow_id': ctx.workflowId,
      'webhook.outcome': outcome,
    });
    observe({ type: ctx.type ?? 'unknown', status, outcome, durationMs });
  };
}
