/**
 * The whole service on one machine, in one process: Temporal dev server (or an existing one), the Bank 131
 * simulator, the webhook gateway, a worker and the payouts client, wired with fresh keys. Used by
 * `npm start`, the integration tests and the benchmark, so all three exercise the same wiring.
 */
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Client, Connection } from '@temporalio/client';
import { createActivities } from '../activities';
import type { BackendCallbackConfig } from '../activities/callbacks';
import { PayoutRegistry } from '../activities/payout-registry';
import { Bank131Client } from '../bank131/client';
import { generateKeyPairPem } from '../bank131/signature';
import { generateCodecKeySpec } from '../codec/aes-gcm-codec';
import {
  INSECURE_LOCAL_DEV_FLAG,
  loadGatewayConfig,
  loadPayoutSettings,
  type TemporalConfig,
} from '../config';
import { PayoutsClient } from '../client/payouts';
import { createLogger, type Logger } from '../observability/logger';
import { bank131CallRecorder, walletBalanceRecorder } from '../observability/metrics';
import type { Tracing } from '../observability/tracing';
import type { PayoutSettings } from '../policy/settings';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../simulator/server';
import { connectClient, connectionOptions } from '../temporal/client';
import { startDevServer, type DevServer, type DevServerOptions } from './dev-server';
import { startGateway } from '../webhook-gateway/server';
import { createPayoutWorker, type PayoutWorkerOptions } from '../workers/payout-worker';

export interface LocalStackOptions {
  /** Use this Temporal server instead of starting one. */
  temporalAddress?: string;
  devServer?: DevServerOptions;
  namespace?: string;
  taskQueue?: string;
  codecKeys?: string;
  /** The payout settings the worker hands each payout; the production defaults (`loadPayoutSettings({})`) when omitted. */
  settings?: PayoutSettings;
  simulator?: Partial<SimulatorOptions>;
  gatewayPort?: number;
  /** The gateway's internal port (`/readyz`, `/metrics`); any free port when omitted. */
  gatewayInternalPort?: number;
  workflowBundlePath?: string;
  workerTuning?: PayoutWorkerOptions['tuning'];
  /** Signed callbacks to the backend from this stack's worker (and `settings.backendCallbacks` on). */
  callbacks?: BackendCallbackConfig;
  /** Start no worker (tests that run their own, e.g. in a child process). */
  withoutWorker?: boolean;
  /** How long the worker reuses a `wallet/balance` answer (activities default: 5 s). */
  balanceCacheMs?: number;
  /** Start no gateway; the simulator then delivers webhooks to `webhookUrl`. */
  withoutGateway?: boolean;
  webhookUrl?: string;
  logger?: Logger;
  /** The process's tracing (observability/tracing.ts) for the client and worker; the gateway's spans follow it. */
  tracing?: Tracing;
  /**
   * TLS and token per process against a server that requires them (the mTLS cluster): the payouts client, the
   * gateway and the worker then each connect with their own credential, as in production. Absent: plaintext.
   */
  temporalCredentials?: Partial<Record<StackProcess, TemporalCredential>>;
  /** A PostgreSQL URL for the payout-ID registry; without one the worker runs as local dev does (none). */
  registryUrl?: string;
  /** The payouts client's identity (its payouts' `startedBy`); another one must approve them. */
  operator?: string;
}

export type StackProcess = 'backend' | 'gateway' | 'worker';
export type TemporalCredential = Pick<TemporalConfig, 'tls' | 'apiKey'>;

/** Who the local stack's payouts client is: the backend that starts payouts, not an approver. */
export const LOCAL_BACKEND_IDENTITY = 'local-backend';

export interface LocalStack {
  temporal: TemporalConfig;
  devServer?: DevServer;
  client: Client;
  connection: Connection;
  payouts: PayoutsClient;
  simulator: SimulatorHandle;
  gatewayUrl?: string;
  /** The gateway's internal port: `/readyz`, `/metrics`. */
  gatewayInternalUrl?: string;
  worker?: Worker;
  keys: {
    partner: { privateKeyPem: string; publicKeyPem: string };
    bank: { privateKeyPem: string; publicKeyPem: string };
  };
  settings: PayoutSettings;
  /** The per-process credentials it was given (child processes started for this stack use them too). */
  temporalCredentials?: Partial<Record<StackProcess, TemporalCredential>>;
  registry?: PayoutRegistry;
  /** Stops everything this stack started, in reverse order. */
  stop(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = opts.logger ?? createLogger('stack', 'silent');
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.warn({ err }, 'cleanup failed');
      }
    }
  };
  try {
    let devServer: DevServer | undefined;
    let address = opts.temporalAddress;
    if (!address) {
      devServer = await startDevServer(opts.devServer);
      cleanups.push(() => devServer!.stop());
      address = devServer.address;
    }
    const temporal: TemporalConfig = {
      address,
      namespace: opts.namespace ?? 'default',
      taskQueue: opts.taskQueue ?? 'payouts',
      tls: false,
      codecKeys: opts.codecKeys ?? generateCodecKeySpec(),
    };
    const baseSettings = opts.settings ?? loadPayoutSettings({});
    const settings = opts.callbacks ? { ...baseSettings, backendCallbacks: true } : baseSettings;
    const keys = { partner: generateKeyPairPem(), bank: generateKeyPairPem() };

    const credential = (name: StackProcess): TemporalConfig => ({
      ...temporal,
      ...opts.temporalCredentials?.[name],
    });
    const { client, connection } = await connectClient(credential('backend'), {
      interceptors: opts.tracing?.clientInterceptors,
    });
    cleanups.push(() => connection.close());

    let gatewayUrl: string | undefined;
    let gatewayInternalUrl: string | undefined;
    if (!opts.withoutGateway) {
      let gatewayClient = client;
      if (opts.temporalCredentials?.gateway) {
        const own = await connectClient(credential('gateway'));
        cleanups.push(() => own.connection.close());
        gatewayClient = own.client;
      }
      const gateway = await startGateway({
        client: gatewayClient,
        taskQueue: temporal.taskQueue,
        logger: logger.child({ component: 'gateway' }),
        host: '127.0.0.1',
        port: opts.gatewayPort ?? 0,
        // The production defaults, with this stack's Temporal, keys and port.
        config: {
          ...loadGatewayConfig({
            BANK131_PUBLIC_KEYS: keys.bank.publicKeyPem,
            GATEWAY_SHUTDOWN_GRACE: '5s',
            LOG_LEVEL: 'silent',
            [INSECURE_LOCAL_DEV_FLAG]: '1',
          }),
          temporal: credential('gateway'),
          host: '127.0.0.1',
          port: opts.gatewayPort ?? 0,
          internalPort: opts.gatewayInternalPort ?? 0,
        },
      });
      cleanups.push(() => gateway.close());
      gatewayUrl = gateway.url;
      gatewayInternalUrl = gateway.internalUrl;
    }
    const webhookUrl = opts.webhookUrl ?? `${gatewayUrl ?? 'http://127.0.0.1:9'}/webhooks/bank131`;

    const simulator = await startSimulator({
      host: '127.0.0.1',
      port: 0,
      projectId: 'demo-project',
      partnerPublicKeyPem: keys.partner.publicKeyPem,
      bankPrivateKeyPem: keys.bank.privateKeyPem,
      webhookUrl,
      processingDelayMs: 50,
      confirmDeadlineMs: 240 * 60_000,
      webhookRetryInitialMs: 200,
      webhookRetryMaxMs: 5_000,
      webhookRetryGiveUpMs: 30 * 60_000,
      logLevel: 'silent',
      logger: logger.child({ component: 'simulator' }),
      ...opts.simulator,
    });
    cleanups.push(() => simulator.close());

    let registry: PayoutRegistry | undefined;
    if (opts.registryUrl) {
      const r = new PayoutRegistry(opts.registryUrl);
      cleanups.push(() => r.close());
      await r.migrate();
      registry = r;
    }

    let worker: Worker | undefined;
    if (!opts.withoutWorker) {
      const bank131 = new Bank131Client(
        {
          baseUrl: simulator.url,
          projectId: 'demo-project',
          privateKeyPem: keys.partner.privateKeyPem,
          connectTimeoutMs: 5_000,
          requestTimeoutMs: 10_000,
          maxConnections: 64,
        },
        {
          logger: logger.child({ component: 'bank131' }),
          onCall: bank131CallRecorder(Runtime.instance().metricMeter),
        },
      );
      cleanups.push(() => bank131.close());
      const workerConnection = await NativeConnection.connect(connectionOptions(credential('worker')));
      cleanups.push(() => workerConnection.close());
      worker = await createPayoutWorker({
        connection: workerConnection,
        namespace: temporal.namespace,
        taskQueue: temporal.taskQueue,
        activities: createActivities({
          bank131,
          settings,
          logger: logger.child({ component: 'activities' }),
          balanceCacheMs: opts.balanceCacheMs,
          onBalance: walletBalanceRecorder(Runtime.instance().metricMeter),
          callbacks: opts.callbacks,
          registry,
        }),
        codecKeys: temporal.codecKeys,
        workflowBundlePath: opts.workflowBundlePath,
        tuning: opts.workerTuning,
        tracing: opts.tracing,
      });
      const running = worker.run();
      const w = worker;
      cleanups.push(async () => {
        if (w.getState() === 'RUNNING') w.shutdown();
        await running;
      });
    }

    const payouts = new PayoutsClient({
      client,
      taskQueue: temporal.taskQueue,
      policy: settings.policy,
      operator: opts.operator ?? LOCAL_BACKEND_IDENTITY,
      registry,
    });
    return {
      temporal,
      devServer,
      client,
      connection,
      payouts,
      simulator,
      gatewayUrl,
      gatewayInternalUrl,
      worker,
      keys,
      settings,
      temporalCredentials: opts.temporalCredentials,
      registry,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
