/**
 * The Bank 131 simulator as an HTTP server: the documented partner API (signed requests, v1 bodies),
 * signed webhooks with redelivery, scenarios, fault injection, and a ledger. Part of the product: the demo,
 * the tests, the fault runs and the benchmark all use it. The `/_sim/` control API is unsigned local tooling.
 */
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import {
  loadPrivateKey,
  loadPublicKey,
  PROJECT_HEADER,
  SIGNATURE_HEADER,
  verifyBody,
  IDEMPOTENCY_HEADER,
} from '../bank131/signature';
import type { SimulatorConfig } from '../config';
import type { Logger } from '../observability/logger';
import { SimulatedBank, workflowIdOfMetadata, type BankAnswer } from './bank';
import { FaultInjector, FaultRuleSchema, seededRandom, type FaultKind, type FaultRule } from './faults';
import { Ledger } from './ledger';
import { SCENARIO_NAMES, type Scenario, type ScenarioName } from './scenarios';
import { WebhookDispatcher } from './webhooks';
import { renderError, WireVariantPatchSchema, type WireVariant } from './wire';

export type { FaultRule } from './faults';
export type { Ledger, LedgerEntry, MoneyMoved, PayoutLedgerSummary } from './ledger';
export type { Scenario, ScenarioName } from './scenarios';
export type { WireVariant } from './wire';

export interface SimulatorOptions extends SimulatorConfig {
  seed?: number;
  logger?: Logger;
  /** Pick the scenario from the amount's last two digits when none was set for the payout (default true). */
  scenariosByAmount?: boolean;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  ledger: Ledger;
  setScenario(workflowId: string, scenario: ScenarioName | Partial<Scenario>): void;
  /** Renders this payout's answers and webhooks in a variant (the default plus this patch). */
  setWireVariant(workflowId: string, variant: Partial<WireVariant>): void;
  /** The recipient's bank returns a succeeded payout (all of it unless `amount`); throws if it cannot. */
  refund(sessionId: string, options?: { amount?: number; afterMs?: number }): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setWebhookUrl(url: string): void;
  close(): Promise<void>;
}

const ENDPOINTS = [
  'tokenize',
  'token/info',
  'session/init/payout',
  'session/confirm',
  'session/cancel',
  'session/status',
] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const WireRequest = z.object({ workflowId: z.string().min(1), variant: WireVariantPatchSchema });
const RefundRequest = z.object({
  sessionId: z.string().min(1),
  amount: z.number().int().positive().optional(),
  afterMs: z.number().int().nonnegative().optional(),
});

const FAULT_HTTP_STATUS: Partial<Record<FaultKind, number>> = {
  http_500: 500,
  http_503: 503,
  http_429: 429,
  garbage: 200,
  http_403_html: 403,
  http_4xx_empty: 400,
  http_409_no_status: 409,
  unknown_business_code: 400,
};

const WAF_PAGE =
  '<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1>' +
  '<p>Request blocked by the web application firewall.</p></body></html>';

/** A bank error body in the payout's error style; other bodies as they are. */
function inStyle(body: unknown, variant: WireVariant): unknown {
  const { error } = body as { error?: { code: string; description: string } };
  return error ? renderError(error, variant) : body;
}

const ScenarioSpec = z.union([
  z.enum(SCENARIO_NAMES as [ScenarioName, ...ScenarioName[]]),
  z.record(z.string(), z.unknown()),
]);

export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const ledger = new Ledger();
  const partnerKey = loadPublicKey(options.partnerPublicKeyPem);
  const webhooks = new WebhookDispatcher(
    options.webhookUrl,
    loadPrivateKey(options.bankPrivateKeyPem),
    {
      retryInitialMs: options.webhookRetryInitialMs,
      retryMaxMs: options.webhookRetryMaxMs,
      giveUpMs: options.webhookRetryGiveUpMs,
    },
    ledger,
    options.logger,
  );
  const bank = new SimulatedBank(
    {
      processingDelayMs: options.processingDelayMs,
      confirmDeadlineMs: options.confirmDeadlineMs,
      scenariosByAmount: options.scenariosByAmount ?? true,
      wireSeed: options.wire === 'random' ? (options.seed ?? 131) : undefined,
    },
    webhooks,
    ledger,
  );
  const faults = new FaultInjector(seededRandom(options.seed ?? 131));

  const app = express();
  app.disable('x-powered-by');

  app.post(
    '/api/v1/*path',
    express.raw({ type: () => true, limit: '1mb' }),
    async (req: Request, res: Response) => {
      const endpoint = (req.params.path as unknown as string[]).join('/') as Endpoint;
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const idempotencyKey = req.header(IDEMPOTENCY_HEADER) ?? undefined;
      const log = (
        outcome: string,
        httpStatus: number | undefined,
        sessionId?: string,
        workflowId?: string,
      ) =>
        ledger.record({
          kind: 'request',
          endpoint,
          idempotencyKey,
          sessionId,
          workflowId,
          outcome,
          httpStatus,
        });

      if (!ENDPOINTS.includes(endpoint)) {
        log('rejected:not_found', 404);
        return void res.status(404).json({
          status: 'error',
          error: { code: 'invalid_request', description: `no method ${endpoint}` },
        });
      }
      if (req.header(PROJECT_HEADER) !== options.projectId) {
        log('unauthenticated', 403);
        return void res.status(403).json({
          status: 'error',
          error: { code: 'authorization_error', description: 'unknown X-PARTNER-PROJECT' },
        });
      }
      if (!verifyBody(raw, req.header(SIGNATURE_HEADER), [partnerKey])) {
        log('unauthenticated', 401);
        return void res.status(401).json({
          status: 'error',
          error: { code: 'authentication_error', description: 'bad X-PARTNER-SIGN' },
        });
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        log('rejected:invalid_request', 400);
        return void res
          .status(400)
          .json({ status: 'error', error: { code: 'invalid_request', description: 'body is not JSON' } });
      }

      const session = bank.sessionOf(body);
      const workflowId =
        session?.workflowId ??
        (endpoint === 'session/init/payout'
          ? workflowIdOfMetadata((body as { metadata?: unknown }).metadata)
          : idempotencyKey?.replace(/:[^:]*$/, ''));

      const variant = bank.variantFor(workflowId);

      /** Answers (or drops) the request as the fault says; false when the request goes on (`slow`). */
      const applyFault = async (kind: FaultKind, delayMs: number | undefined): Promise<boolean> => {
        switch (kind) {
          case 'http_500':
          case 'http_503':
            res
              .status(FAULT_HTTP_STATUS[kind]!)
              .json(renderError({ code: 'internal_error', description: 'simulated outage' }, variant));
            return true;
          case 'http_429':
            res
              .status(429)
              .setHeader('retry-after', '1')
              .json(renderError({ code: 'rate_limited', description: 'slow down' }, variant));
            return true;
          case 'garbage':
            res.status(200).type('text/html').send('<html><body>502 Bad Gateway</body></html>');
            return true;
          case 'http_403_html':
            res.status(403).type('text/html').send(WAF_PAGE);
            return true;
          case 'http_4xx_empty':
            res.status(400).end();
            return true;
          case 'http_409_no_status':
            res.status(409).json({ message: 'Conflict', path: `/api/v1/${endpoint}` });
            return true;
          case 'unknown_business_code':
            res
              .status(400)
              .json(
                renderError(
                  { code: 'session_already_confirmed', description: 'Session already confirmed' },
                  variant,
                ),
              );
            return true;
          case 'reset':
          case 'lost_response':
            req.socket.destroy();
            return true;
          case 'timeout':
            await new Promise((r) => setTimeout(r, delayMs ?? 15_000));
            req.socket.destroy();
            return true;
          case 'slow':
            await new Promise((r) => setTimeout(r, delayMs ?? 2_000));
            return false;
        }
      };

      const fault = faults.pick(endpoint, workflowId);
      if (fault) log(`fault:${fault.kind}`, FAULT_HTTP_STATUS[fault.kind], session?.id, workflowId);
      // The bank acts on the request first; the fault then replaces (or drops) its answer.
      const afterProcessing =
        fault && (fault.afterProcessing || fault.kind === 'lost_response') ? fault : undefined;
      if (fault && !afterProcessing && (await applyFault(fault.kind, fault.delayMs))) return;

      const answer = async (a: BankAnswer, sessionId?: string) => {
        const status = 'destroySocket' in a ? undefined : a.httpStatus;
        const code = 'destroySocket' in a ? undefined : (a.body as { error?: { code: string } }).error?.code;
        log(code ? `rejected:${code}` : 'processed', status, sessionId, workflowId);
        if (afterProcessing && (await applyFault(afterProcessing.kind, afterProcessing.delayMs))) return;
        if ('destroySocket' in a) return void req.socket.destroy();
        res.status(a.httpStatus).json(inStyle(a.body, variant));
      };
      const needsSession =
        endpoint === 'session/confirm' || endpoint === 'session/cancel' || endpoint === 'session/status';
      if (needsSession && !session)
        return answer({
          httpStatus: 400,
          body: { status: 'error', error: { code: 'invalid_request', description: 'unknown session_id' } },
        });
      // The bank remembers an idempotency key once it processed the request (a fault answered before did not).
      const keyed = endpoint !== 'session/status' && endpoint !== 'token/info';
      if (keyed && !bank.claimKey(endpoint, idempotencyKey))
        return answer(SimulatedBank.KEY_EXISTS, session?.id);

      switch (endpoint) {
        case 'tokenize':
          return answer(bank.tokenize(body));
        case 'token/info':
          return answer(bank.tokenInfo(body));
        case 'session/init/payout': {
          const { answer: a, session: created } = bank.initPayout(body);
          return answer(a, created?.id);
        }
        case 'session/confirm':
          return answer(await bank.confirm(session!), session!.id);
        case 'session/cancel':
          return answer(bank.cancel(session!), session!.id);
        case 'session/status':
          return answer(bank.status(session!), session!.id);
      }
    },
  );

  app.get('/_sim/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/_sim/ledger', (_req, res) => void res.json({ entries: ledger.entries }));
  app.get('/_sim/summary', (_req, res) => void res.json(ledger.summary()));
  app.put('/_sim/scenarios/:workflowId', express.json(), (req, res) => {
    const spec = ScenarioSpec.safeParse(
      typeof req.body === 'object' && req.body && 'scenario' in req.body
        ? (req.body as { scenario: unknown }).scenario
        : req.body,
    );
    if (!spec.success)
      return void res
        .status(400)
        .json({ error: `scenario must be one of ${SCENARIO_NAMES.join(', ')} or an options object` });
    bank.setScenario(req.params.workflowId, spec.data);
    res.json({ status: 'ok' });
  });
  app.post('/_sim/faults', express.json(), (req, res) => {
    const rule = FaultRuleSchema.safeParse(req.body);
    if (!rule.success)
      return void res
        .status(400)
        .json({ error: rule.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    faults.add(rule.data);
    res.json({ status: 'ok' });
  });
  app.post('/_sim/wire', express.json(), (req, res) => {
    const spec = WireRequest.safeParse(req.body);
    if (!spec.success)
      return void res
        .status(400)
        .json({ error: spec.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    bank.setWireVariant(spec.data.workflowId, spec.data.variant);
    res.json({ status: 'ok' });
  });
  app.post('/_sim/refund', express.json(), (req, res) => {
    const spec = RefundRequest.safeParse(req.body);
    if (!spec.success)
      return void res
        .status(400)
        .json({ error: spec.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    const { sessionId, ...options } = spec.data;
    const a = bank.refund(sessionId, options);
    res.status(a.httpStatus).json(a.body);
  });
  app.delete('/_sim/faults', (_req, res) => {
    faults.clear();
    res.json({ status: 'ok' });
  });

  const server = app.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    port,
    ledger,
    setScenario: (workflowId, scenario) => bank.setScenario(workflowId, scenario),
    setWireVariant: (workflowId, variant) => bank.setWireVariant(workflowId, variant),
    refund: (sessionId, refundOptions) => {
      const { error } = bank.refund(sessionId, refundOptions).body as { error?: { code: string } };
      if (error) throw new Error(`refund of ${sessionId} refused: ${error.code}`);
    },
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setWebhookUrl: (url) => webhooks.setUrl(url),
    close: async () => {
      bank.close();
      webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
