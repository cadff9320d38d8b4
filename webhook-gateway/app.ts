/**
 * The only door from the outside into our payouts: verify Bank 131's signature over the raw body, parse,
 * route to the payout workflow, and answer 200 only once Temporal has accepted the signal. Anything we
 * cannot deliver is recorded in an inbox workflow, never dropped; when Temporal is down we answer 503 so
 * the bank retries.
 */
import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebhookSchema } from '../bank131/schemas';
import { loadPublicKey, SIGNATURE_HEADER, verifyBody } from '../bank131/signature';
import type { GatewayConfig } from '../config';
import type { Logger } from '../observability/logger';
import { createGatewayMetrics, type GatewayMetrics } from '../observability/metrics';
import {
  unmatchedWebhookSignal,
  WEBHOOK_INBOX_WORKFLOW_TYPE,
  type WebhookSignal,
} from '../workflows/messages';
import { inboxWorkflowId, routeWebhook, sessionLookupQuery } from './mapping';

export const WEBHOOK_PATH = '/webhooks/bank131';
const TEMPORAL_CALL_DEADLINE_MS = 5_000;
/** gRPC codes that mean "Temporal cannot take it right now": the bank should retry later. */
const UNAVAILABLE_CODES = new Set([1, 4, 8, 14]);

export interface GatewayDeps {
  client: Client;
  config: GatewayConfig;
  logger: Logger;
  taskQueue: string;
  onWebhook?: (e: { type: string; status: number; outcome: string; durationMs: number }) => void;
  /** Served at GET /metrics; a fresh registry when omitted. */
  metrics?: GatewayMetrics;
}

export function isTemporalUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && UNAVAILABLE_CODES.has(e.code)) return true;
    if (
      e instanceof Error &&
      /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Connection refused|transport error/i.test(e.message)
    )
      return true;
  }
  return false;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: string,
    message: string,
  ) {
    super(message);
  }
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
  const observe = (e: { type: string; status: number; outcome: string; durationMs: number }) => {
    metrics.recordWebhook(e);
    deps.onWebhook?.(e);
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
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

  /** Resolves the payout workflow: our ID from `metadata`, else the session's search attribute. */
  async function findWorkflowId(
    metadataId: string | undefined,
    sessionId: string,
  ): Promise<string | undefined> {
    if (metadataId?.startsWith('payout-')) return metadataId;
    const query = sessionLookupQuery(sessionId);
    if (!query) return undefined;
    return withDeadline(async () => {
      for await (const wf of client.workflow.list({ query, pageSize: 1 })) return wf.workflowId;
      return undefined;
    });
  }

  async function recordInInbox(payload: WebhookSignal, reason: string, workflowId?: string): Promise<void> {
    await withDeadline(() =>
      client.workflow.signalWithStart(WEBHOOK_INBOX_WORKFLOW_TYPE, {
        workflowId: inboxWorkflowId(payload.session.sessionId),
        taskQueue,
        args: [{ sessionId: payload.session.sessionId }],
        signal: unmatchedWebhookSignal,
        signalArgs: [{ ...payload, reason, workflowId }],
      }),
    );
  }

  async function handleWebhook(req: Request, log: Logger): Promise<{ outcome: string; type: string }> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyBody(raw, req.header(SIGNATURE_HEADER), publicKeys)) {
      throw new HttpError(
        401,
        'bad_signature',
        req.header(SIGNATURE_HEADER) ? 'signature does not verify' : 'missing X-PARTNER-SIGN',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'body is not valid JSON');
    }
    const parsed = WebhookSchema.safeParse(json);
    if (!parsed.success) {
      const reasons = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new HttpError(400, 'invalid_webhook', `not a Bank 131 webhook: ${reasons.join('; ')}`);
    }
    const route = routeWebhook(parsed.data, new Date());
    const sessionId = route.payload.session.sessionId;
    log = log.child({ type: route.payload.type, sessionId });

    if (route.kind === 'inbox') {
      await recordInInbox(route.payload, route.reason, route.workflowId);
      log.info({ reason: route.reason }, 'webhook recorded in inbox');
      return { outcome: 'inbox_unsupported_type', type: route.payload.type };
    }
    const workflowId = await findWorkflowId(route.workflowId, sessionId);
    if (!workflowId) {
      await recordInInbox(route.payload, 'unknown_session');
      log.warn('webhook for an unknown session recorded in inbox');
      return { outcome: 'inbox_unknown_session', type: route.payload.type };
    }
    try {
      await withDeadline(() => client.workflow.getHandle(workflowId).signal(route.signal, route.payload));
      log.info({ workflowId }, 'webhook delivered');
      return { outcome: 'signalled', type: route.payload.type };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      await recordInInbox(route.payload, 'workflow_not_running', workflowId);
      log.warn({ workflowId }, 'webhook for a payout that is not running recorded in inbox');
      return { outcome: 'inbox_workflow_not_running', type: route.payload.type };
    }
  }

  app.post(
    WEBHOOK_PATH,
    (req: Request, res: Response, next: NextFunction) => {
      if (!shuttingDown) return next();
      res.setHeader('connection', 'close');
      res.status(503).json({ error: 'shutting_down' });
    },
    express.raw({ type: () => true, limit: config.bodyLimitBytes }),
    async (req: Request, res: Response) => {
      const started = performance.now();
      const log = logger.child({ requestId: res.locals.requestId as string });
      inFlight += 1;
      let status = 200;
      let outcome = 'signalled';
      let type = 'unknown';
      try {
        ({ outcome, type } = await handleWebhook(req, log));
        res.status(200).json({ status: 'ok' });
      } catch (err) {
        if (err instanceof HttpError) {
          ({ status, outcome } = err);
          log.warn({ status, outcome, reason: err.message }, 'webhook refused');
          res.status(status).json({ error: outcome, reason: err.message });
        } else if (isTemporalUnavailable(err)) {
          status = 503;
          outcome = 'temporal_unavailable';
          log.error({ err: String(err) }, 'temporal unavailable; the bank will retry');
          res.status(503).json({ error: outcome });
        } else {
          status = 500;
          outcome = 'internal_error';
          log.error({ err }, 'webhook handling failed');
          res.status(500).json({ error: outcome });
        }
      } finally {
        inFlight -= 1;
        observe({ type, status, outcome, durationMs: performance.now() - started });
      }
    },
  );

  // Body-parser failures (oversize, aborted, bad encoding) come here, before any handler ran.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string; message?: string };
    const status =
      e.type === 'entity.too.large' ? 413 : e.status && e.status >= 400 && e.status < 500 ? e.status : 400;
    logger.warn({ status, reason: e.type ?? e.message }, 'webhook refused before parsing');
    observe({ type: 'unknown', status, outcome: e.type ?? 'bad_request', durationMs: 0 });
    res.status(status).json({ error: e.type ?? 'bad_request' });
  });

  return {
    app,
    beginShutdown: () => {
      shuttingDown = true;
    },
    inFlight: () => inFlight,
  };
}
