/**
 * `npm start`: the whole service on this machine (Temporal dev server with its Web UI, the Bank 131
 * simulator, the webhook gateway, a worker, the codec server), then one payout end to end, printed step by
 * step. Keeps running so the payout can be inspected in the UI; Ctrl-C stops everything.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { createConnection } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { AesGcmPayloadCodec, parseCodecKeys } from '../codec/aes-gcm-codec';
import { AUTH_DISABLED_FOR_LOCAL_DEV, startCodecServer } from '../codec/server';
import { DEMO_TEMPORAL_DB_FILE, loadDemoConfig, LOCAL_DATA_DIR } from '../config/local-demo';
import { DEFAULT_CERTS_DIR, readTemporalCredentials, stackCredentialsFrom } from '../harness/certs';
import { demoCodecKeys } from '../harness/demo-codec-keys';
import { demoPayoutRequest } from '../harness/demo-payout';
import { startLocalStack } from '../harness/local-stack';
import { resolveTemporalCli } from '../harness/temporal-cli';
import { createLogger } from '../observability/logger';
import { startTracing } from '../observability/tracing';
import type { PayoutEvent } from '../workflows/messages';

const TEMPORAL_PORT = 7233;
const UI_PORT = 8233;
const config = loadDemoConfig();

const out = (line = '') => process.stdout.write(`${line}\n`);

/** None when the server answers in plaintext (a dev server); else the per-process ones in secrets/temporal. */
async function credentialsFor(address: string) {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2_000 });
    try {
      await connection.healthService.check({});
      return undefined;
    } finally {
      await connection.close();
    }
  } catch {
    if (!existsSync(path.join(DEFAULT_CERTS_DIR, 'jwks.json'))) return undefined; // the start will say why
    return stackCredentialsFrom(readTemporalCredentials(DEFAULT_CERTS_DIR));
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function describeEvent(e: PayoutEvent): string {
  return `  ${e.at.slice(11, 23)}  ${e.kind}${e.detail ? `  (${e.detail})` : ''}`;
}

async function main(): Promise<void> {
  mkdirSync(LOCAL_DATA_DIR, { recursive: true });
  out('Preparing the Temporal CLI (built once from the Go module proxy, then reused)...');
  resolveTemporalCli((line) => out(line));
  const codecKeys = demoCodecKeys(config.codecKeys);
  const metricsPort = config.workerMetricsPort;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } },
  });
  const logger = createLogger('demo', config.logLevel);
  const tracing = startTracing(config.tracing);

  const codecServer = await startCodecServer({
    codec: new AesGcmPayloadCodec(parseCodecKeys(codecKeys)),
    authToken: AUTH_DISABLED_FOR_LOCAL_DEV,
    corsOrigins: [`http://localhost:${UI_PORT}`, `http://127.0.0.1:${UI_PORT}`],
    logger,
    host: '127.0.0.1',
    port: config.codecServerPort,
  });

  const reuseServer = await portInUse(TEMPORAL_PORT);
  if (reuseServer) out(`Using the Temporal server already listening on 127.0.0.1:${TEMPORAL_PORT}.`);
  // `npm run cluster` requires mTLS and a token: connect each process with its credential from secrets/temporal.
  const credentials = reuseServer ? await credentialsFor(`127.0.0.1:${TEMPORAL_PORT}`) : undefined;
  if (credentials) out(`It requires mTLS: connecting with the credentials in ${DEFAULT_CERTS_DIR}.`);
  const stack = await startLocalStack({
    temporalAddress: reuseServer ? `127.0.0.1:${TEMPORAL_PORT}` : undefined,
    temporalCredentials: credentials,
    devServer: {
      port: TEMPORAL_PORT,
      uiPort: UI_PORT,
      dbFilename: DEMO_TEMPORAL_DB_FILE,
      uiCodecEndpoint: codecServer.url,
    },
    codecKeys,
    gatewayPort: config.gatewayPort,
    gatewayInternalPort: config.gatewayInternalPort,
    simulator: { port: config.simulatorPort, processingDelayMs: 300 },
    logger,
    tracing,
  });
  const uiBase = `http://localhost:${UI_PORT}`;
  out(`Temporal server   ${stack.temporal.address}`);
  out(`Temporal Web UI   ${uiBase}${reuseServer ? ' (of the server already running)' : ''}`);
  out(`Bank 131 sim.     ${stack.simulator.url}`);
  out(`Webhook gateway   ${stack.gatewayUrl ?? '-'}/webhooks/bank131`);
  out(`Codec server      ${codecServer.url}`);
  out(
    `Metrics           http://127.0.0.1:${metricsPort}/metrics (worker), ${stack.gatewayInternalUrl ?? '-'}/metrics (gateway, internal port)`,
  );
  if (tracing.enabled)
    out(
      `Tracing           ${config.tracing.exporter}${config.tracing.exporter === 'otlp' ? ` to ${config.tracing.otlpTracesUrl}` : ''}`,
    );
  out();

  const payoutId = `demo-${new Date()
    .toISOString()
    .replace(/[-:T.Z]/g, '')
    .slice(0, 14)}`;
  const started = await stack.payouts.startPayout(demoPayoutRequest(payoutId));
  out(`Payout ${payoutId} started as workflow ${started.workflowId} (1 500.00 RUB to 40817***4312):`);

  let printed = 0;
  const printNew = async () => {
    const view = await stack.payouts.getPayout(payoutId);
    for (const e of view.state.events.slice(printed)) out(describeEvent(e));
    printed = view.state.events.length;
  };
  const result = stack.payouts.result(payoutId);
  let finished = false;
  void result.finally(() => (finished = true));
  while (!finished) {
    await printNew().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 250));
  }
  await printNew();
  const r = await result;
  out();
  out(
    `Result: ${r.outcome.toUpperCase()}  session ${r.sessionId ?? '-'}  bank payout ${r.bankPayoutId ?? '-'}`,
  );
  out(`Inspect it:  ${uiBase}/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}`);
  out(`From a terminal:  npm run payout -- status ${payoutId}`);
  out();
  out('Everything keeps running so you can look around. Ctrl-C to stop.');

  const shutdown = () => {
    out('\nStopping...');
    void stack
      .stop()
      .then(() => codecServer.close())
      .then(() => tracing.shutdown())
      .then(() => process.exit(r.outcome === 'succeeded' ? 0 : 1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  if (config.exitAfterPayout) shutdown();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `npm start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
