/**
 * `npm run temporal`: a local Temporal dev server for development, with data kept in .data/temporal.sqlite
 * across restarts, the Web UI, and our search attributes registered. Ctrl-C stops it.
 */
import { mkdirSync } from 'node:fs';
import { loadDevServerConfig, LOCAL_DATA_DIR } from '../config/local-demo';
import { startDevServer } from '../harness/dev-server';

async function main(): Promise<void> {
  mkdirSync(LOCAL_DATA_DIR, { recursive: true });
  const server = await startDevServer({ ...loadDevServerConfig(), stdio: 'inherit' });
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
