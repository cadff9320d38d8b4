/** Pre-bundles the workflow code so production workers start without running webpack. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleSources } from '../workers/workflows-entry';

export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '../dist/workflow-bundle.js');

async function main(): Promise<void> {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_BUNDLE_PATH;
  const { code } = await bundleWorkflowCode(workflowBundleSources());
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  process.stdout.write(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KiB)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
