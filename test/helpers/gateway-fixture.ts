/**
 * A gateway in front of the shared test server, with a worker running the recording stand-in payout
 * workflow (test/fixtures/gateway-workflows.ts), for the gateway tests.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { testConnectionOptions } from './temporal-credentials';
import { INSECURE_LOCAL_DEV_FLAG, loadGatewayConfig, type GatewayConfig } from '../../config';
import { createLogger } from '../../observability/logger';
import type { GatewayDeps } from '../../webhook-gateway/app';
import { startGateway, type RunningGateway } from '../../webhook-gateway/server';

export interface GatewayFixture {
  client: Client;
  taskQueue: string;
  gateway: RunningGateway;
  webhookUrl: string;
  config: (overrides?: Partial<GatewayConfig>) => GatewayConfig;
  stop: () => Promise<void>;
}

export async function startGatewayFixture(
  overrides: Partial<GatewayConfig> & Pick<GatewayConfig, 'bankPublicKeysPem'>,
  options: { address?: string; onWebhook?: GatewayDeps['onWebhook'] } = {},
): Promise<GatewayFixture> {
  // Tests that stop and restart Temporal run their own server; the rest share the one from the global setup.
  const address = options.address ?? inject('temporalAddress');
  const taskQueue = `gateway-${randomUUID()}`;
  // On the mTLS cluster the gateway holds its own credential and the test worker the worker's.
  const own = options.address !== undefined;
  const gatewayOptions = own ? { address } : testConnectionOptions('gateway');
  const connection = await Connection.connect(gatewayOptions);
  const client = new Client({ connection });
  const workerConnection = await NativeConnection.connect(
    own ? { address } : testConnectionOptions('worker'),
  );
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowsPath: path.resolve(__dirname, '../fixtures/gateway-workflows.ts'),
  });
  const running = worker.run();
  // The production defaults (one home: config/gateway.ts), with this test's Temporal and port.
  const defaults = loadGatewayConfig({
    BANK131_PUBLIC_KEYS: overrides.bankPublicKeysPem.join('\n'),
    GATEWAY_SHUTDOWN_GRACE: '2s',
    LOG_LEVEL: 'silent',
    [INSECURE_LOCAL_DEV_FLAG]: '1',
  });
  const config = (more: Partial<GatewayConfig> = {}): GatewayConfig => ({
    ...defaults,
    temporal: { ...gatewayOptions, namespace: 'default', taskQueue, codecKeys: '' },
    host: '127.0.0.1',
    port: 0,
    internalPort: 0,
    ...overrides,
    ...more,
  });
  const gateway = await startGateway({
    client,
    config: config(),
    logger: createLogger('gateway-test', 'silent'),
    taskQueue,
    onWebhook: options.onWebhook,
  });
  return {
    client,
    taskQueue,
    gateway,
    webhookUrl: `${gateway.url}/webhooks/bank131`,
    config,
    stop: async () => {
      await gateway.close();
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    },
  };
}
