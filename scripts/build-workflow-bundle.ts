/** Pre-bundles the workflow code so production workers start without running webpack. */
import path from 'node:path';
import { writeWorkflowBundles } from '../workers/workflows-entry';

export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '../dist/workflow-bundle.js');

async function main(): Promise<void> {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_BUNDLE_PATH;
  // Two bundles: the worker takes the traced one only when tracing is on (workers/payout-worker.ts).
  for (const { file, bytes } of await writeWorkflowBundles(out))
    process.stdout.write(`workflow bundle written to ${file} (${Math.round(bytes / 1024)} KiB)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
