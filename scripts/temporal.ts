/**
 * `npm run temporal`: a local Temporal dev server for development, with data kept in .data/temporal.sqlite
 * across restarts, the Web UI, and our search attributes registered. Ctrl-C stops it.
 */
import { mkdirSync } from 'node:fs';
import { DEMO_TEMPORAL_DB_FILE, LOCAL_DATA_DIR } from '../config/local-demo';
import { startDevServer } from '../harness/dev-server';

async function main(): Promise<void> {
  mkdirSync(LOCAL_DATA_DIR, { recursive: true });
  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  const server = await startDevServer({
    port,
    uiPort,
    dbFilename: process.env.TEMPORAL_DB_FILE ?? DEMO_TEMPORAL_DB_FILE,
    uiCodecEndpoint: process.env.TEMPORAL_UI_CODEC_ENDPOINT,
    stdio: 'inherit',
  });
  process.stdout.write(
    `Temporal dev server: ${server.address}\nWeb UI:              ${server.uiUrl}\nCtrl-C to stop.\n`,
  );
  const stop = () => {
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
