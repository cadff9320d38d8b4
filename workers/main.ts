/** The worker process: `npm run worker`, or `node dist/workers/main.js` in the container. */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities';
import { PayoutRegistry } from '../activities/payout-registry';
import { Bank131Client } from '../bank131/client';
import { loadWorkerConfig } from '../config';
import { createLogger, exitWithStartupError } from '../observability/logger';
import { bank131CallRecorder, walletBalanceRecorder } from '../observability/metrics';
import { startTracing } from '../observability/tracing';
import { connectionOptions } from '../temporal/client';
import { createPayoutWorker } from './payout-worker';

const SDK_LOG_LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
};

const PINO_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const logger = createLogger('worker', config.logLevel);
  const sdkLogger = logger.child({ sdk: true });
  Runtime.install({
    // At the entry's own level (workflow `log.info`/`log.error` and the SDK's own lines).
    logger: new DefaultLogger(SDK_LOG_LEVELS[config.logLevel] ?? 'ERROR', (entry) =>
      sdkLogger[PINO_LEVELS[entry.level]](entry.meta ?? {}, entry.message),
    ),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    // One endpoint for the SDK's metrics and ours (payouts, policy decisions, Bank 131 calls).
    telemetryOptions:
      config.metricsPort > 0
        ? { metrics: { prometheus: { bindAddress: `${config.metricsHost}:${config.metricsPort}` } } }
        : undefined,
  });
  const tracing = startTracing(config.tracing);
  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  const bank131 = new Bank131Client(config.bank131, {
    logger,
    onCall: bank131CallRecorder(Runtime.instance().metricMeter),
  });
  const registry = config.registry.databaseUrl
    ? new PayoutRegistry(config.registry.databaseUrl, { maxConnections: config.registry.maxConnections })
    : undefined;
  if (registry) {
    const applied = await registry.migrate();
    logger.info({ applied }, 'payout registry ready');
  } else {
    logger.warn(
      'NO PAYOUT REGISTRY (ALLOW_INSECURE_LOCAL_DEV): payout IDs are unique only while Temporal keeps the run, and velocity limits are not checked',
    );
  }
  const worker = await createPayoutWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({
      bank131,
      settings: config.payouts,
      logger,
      registry,
      callbacks: config.callbacks,
      onBalance: walletBalanceRecorder(Runtime.instance().metricMeter),
    }),
    codecKeys: config.temporal.codecKeys,
    workflowBundlePath: config.workflowBundlePath,
    tuning: config.tuning,
    tracing,
  });
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      address: config.temporal.address,
      metricsPort: config.metricsPort || undefined,
      tuning: config.tuning,
      tracing: tracing.enabled ? config.tracing.exporter : undefined,
    },
    'worker started',
  );
  // Resolves once SIGINT/SIGTERM drained in-flight tasks (Runtime.install's shutdownSignals).
  await worker.run();
  await bank131.close();
  await registry?.close();
  await connection.close();
  await tracing.shutdown();
  logger.info('worker stopped');
}

main().catch((err: unknown) => exitWithStartupError('worker', err));
