/** The codec server process: `node dist/codec/main.js`; the Temporal UI's `--ui-codec-endpoint` points here. */
import { loadCodecServerConfig } from '../config';
import { createLogger, exitWithStartupError } from '../observability/logger';
import { AesGcmPayloadCodec, parseCodecKeys } from './aes-gcm-codec';
import { AUTH_DISABLED_FOR_LOCAL_DEV, startCodecServer } from './server';

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
  if (config.authToken === AUTH_DISABLED_FOR_LOCAL_DEV) {
    // Besides the log line: someone reading a terminal, not a log pipeline, must see this.
    process.stderr.write(
      `\n*** WARNING: codec server at ${server.url} decrypts payloads for ANYONE (auth disabled). ` +
        'Local demo only; set CODEC_SERVER_AUTH_TOKEN to a secret anywhere else. ***\n\n',
    );
  }
  const stop = () =>
    void server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'codec server did not close cleanly');
        process.exit(1);
      },
    );
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => exitWithStartupError('codec server', err));
