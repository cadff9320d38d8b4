/** The codec server process: `node dist/codec/main.js`; the Temporal UI's `--ui-codec-endpoint` points here. */
import { loadCodecServerConfig } from '../config';
import { createLogger, exitWithStartupError } from '../observability/logger';
import { AesGcmPayloadCodec, parseCodecKeys } from './aes-gcm-codec';
import { startCodecServer } from './server';

async function main(): Promise<void> {
  const config = loadCodecServerConfig(process.env);
  const logger = createLogger('codec-server', config.logLevel);
  const server = await startCodecServer({
    codec: new AesGcmPayloadCodec(parseCodecKeys(config.codecKeys)),
    authToken: config.authToken,
    corsOrigins: config.corsOrigins,
    logger,
    host: config.host,
    port: config.port,
  });
  logger.info({ url: server.url, corsOrigins: config.corsOrigins }, 'codec server listening');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => exitWithStartupError('codec server', err));
