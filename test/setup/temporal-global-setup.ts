/**
 * Starts one real Temporal dev server (the binary built by harness/temporal-cli.ts) for the whole run and
 * bundles the workflow code once; tests connect to it and create their own workers and task queues.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../harness/dev-server';
import { writeWorkflowBundles } from '../../workers/workflows-entry';

let server: DevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ stdio: 'ignore' });
  const cacheDir = path.resolve(__dirname, '../../.cache');
  mkdirSync(cacheDir, { recursive: true });
  const bundlePath = path.join(cacheDir, `workflow-bundle-${process.pid}.js`);
  // Both bundles, as `npm run build` writes them: workers with tracing on take the traced twin.
  await writeWorkflowBundles(bundlePath);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
