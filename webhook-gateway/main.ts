/** The gateway process: `npm run gateway`, or `node dist/webhook-gateway/main.js` in the container. */
import { loadGatewayConfig } from '../config';
import { createLogger, exitWithStartupError } from '../observability/logger';
import { startTracing } from '../observability/tracing';
import { connectClient } from '../temporal/client';
import { startGateway } from './server';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger('webhook-gateway', config.logLevel);
  const tracing = startTracing(config.tracing);
  const { client, connection } = await connectClient(config.temporal, {
    interceptors: tracing.clientInterceptors,
  });
  const gateway = await startGateway({ client, config, logger, taskQueue: config.temporal.taskQueue });
  logger.info({ url: gateway.url, internalUrl: gateway.internalUrl }, 'webhook gateway listening');

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means "now": in-flight webhooks get no answer, and the bank retries them.
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight webhooks');
    gateway
      .close()
      .then(() => connection.close())
      .then(() => tracing.shutdown())
      .then(
        () => {
          logger.info('webhook gateway stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => exitWithStartupError('gateway', err));
