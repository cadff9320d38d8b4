/** The simulator process: `npm run simulator`, or the `simulator` compose profile. */
import { loadSimulatorConfig } from '../config';
import { createLogger, exitWithStartupError } from '../observability/logger';
import { startSimulator } from './server';

async function main(): Promise<void> {
  const config = loadSimulatorConfig(process.env);
  const logger = createLogger('bank131-simulator', config.logLevel);
  const sim = await startSimulator({ ...config, logger });
  logger.info({ url: sim.url, webhookUrl: config.webhookUrl }, 'Bank 131 simulator listening');
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => exitWithStartupError('simulator', err));
