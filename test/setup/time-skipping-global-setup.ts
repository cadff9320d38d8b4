/**
 * For the `workflows` project: makes sure the Java time-skipping test server is available (resolving its jars
 * once, see harness/temporal-test-server.ts) and bundles the workflow code once for the whole run. Each test
 * file starts its own test server through `TestWorkflowEnvironment.createTimeSkipping`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';
import { resolveTemporalTestServer } from '../../harness/temporal-test-server';
import { workflowBundleSources } from '../../workers/workflows-entry';

let bundlePath: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const serverPath = resolveTemporalTestServer();
  const cacheDir = path.resolve(__dirname, '../../.cache');
  mkdirSync(cacheDir, { recursive: true });
  const { code } = await bundleWorkflowCode(workflowBundleSources());
  bundlePath = path.join(cacheDir, `workflow-bundle-timeskip-${process.pid}.js`);
  writeFileSync(bundlePath, code);
  project.provide('timeSkippingServerPath', serverPath);
  project.provide('workflowBundlePath', bundlePath);
}

export function teardown(): void {
  if (bundlePath) rmSync(bundlePath, { force: true });
}
