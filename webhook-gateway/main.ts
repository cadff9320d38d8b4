/** The gateway process: `npm run gateway`, or `node dist/webhook-gateway/main.js` in the container. */
import { loadGatewayConfig } from '../config';
import { createLogger, exitWithStartupError } from '../observability/logger';
import { connectClient } from '../temporal/client';
import { startGateway } from './server';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger('webhook-gateway', config.logLevel);
  const { client, connection } = await connectClient(config.temporal);
  const gateway = await startGateway({ client, config, logger, taskQueue: config.temporal.taskQueue });
  logger.info({ url: gateway.url }, 'webhook gateway listening');
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight webhooks');
    void gateway
      .close()
      .then(() => connection.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => exitWithStartupError('gateway', err));
