/**
 * The Bank 131 simulator as an HTTP server: the documented partner API (signed requests, v1 bodies),
 * signed webhooks with redelivery, scenarios, fault injection, and a ledger. Part of the product: the demo,
 * the tests, the fault runs and the benchmark all use it. The `/_sim/` control API is unsigned local tooling.
 * The API's steps are in partner-api.ts, the control API in control-api.ts; this file builds and serves them.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadPrivateKey, loadPublicKey } from '../bank131/signature';
import type { SimulatorConfig } from '../config';
import type { Logger } from '../observability/logger';
import { SimulatedBank } from './bank';
import { controlRouter } from './control-api';
import { FaultInjector, seededRandom, type FaultRule } from './faults';
import { Ledger } from './ledger';
import { partnerApiHandler } from './partner-api';
import type { Scenario, ScenarioName } from './scenarios';
import { WebhookDispatcher } from './webhooks';
import type { WireVariant } from './wire';

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
  /** The card vault: a card token or widget hash the bank knows, with the card's brand and last 4. */
  registerCard(tokenOrHash: string, card: { last4: string; brand: string }): void;
  /** The wallet payouts draw on (minor units); succeeded payouts reduce it. */
  setBalance(amount: number): void;
  getBalance(): number;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setWebhookUrl(url: string): void;
  close(): Promise<void>;
}

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
  const partnerApi = partnerApiHandler({ bank, ledger, faults, projectId: options.projectId, partnerKey });
  app.post('/api/v1/*path', express.raw({ type: () => true, limit: '1mb' }), partnerApi);
  // `fps/banks` is a GET (SDK FpsApi::getBanks): the signature covers the empty body.
  app.get('/api/v1/fps/banks', (req, res, next) => {
    (req.params as Record<string, unknown>).path = ['fps', 'banks'];
    req.body = Buffer.alloc(0);
    return partnerApi(req, res, next);
  });
  app.use(controlRouter({ bank, ledger, faults }));

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
    registerCard: (key, card) => bank.registerCard(key, card),
    setBalance: (amount) => bank.setBalance(amount),
    getBalance: () => bank.getBalance(),
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
