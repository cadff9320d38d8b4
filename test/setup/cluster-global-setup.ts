/**
 * The cluster test target (`npm run test:cluster`): instead of the dev server, a fresh production-shaped
 * cluster (harness/cluster: PostgreSQL, the compose one-shot scripts, temporal-server's five service
 * processes) on free loopback ports. Provides the same `temporalAddress` and `workflowBundlePath` as
 * temporal-global-setup.ts, plus `clusterControlUrl` for the cluster-only fault tests.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster, type Cluster } from '../../harness/cluster/cluster';
import { startClusterControl, type ClusterControlServer } from '../../harness/cluster/control';
import { writeWorkflowBundles } from '../../workers/workflows-entry';

let cluster: Cluster | undefined;
let control: ClusterControlServer | undefined;
const dataDir = path.resolve(__dirname, '../../.data', `cluster-test-${process.pid}`);

export async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => process.stderr.write(line + '\n');
  // Fresh credentials per run, outside dataDir (which --reset wipes before the certificates are made).
  const certsDir = `${dataDir}-certs`;
  rmSync(certsDir, { recursive: true, force: true });
  // CLUSTER_INSECURE=1: the cluster without mTLS and authorization, to tell a TLS effect from another one.
  const insecure = process.env.CLUSTER_INSECURE === '1';
  cluster = await startCluster({ dataDir, certsDir, reset: true, ports: 'free', log, insecure });
  control = await startClusterControl(cluster);
  const cacheDir = path.resolve(__dirname, '../../.cache');
  mkdirSync(cacheDir, { recursive: true });
  const bundlePath = path.join(cacheDir, `workflow-bundle-${process.pid}.js`);
  await writeWorkflowBundles(bundlePath);
  project.provide('temporalAddress', cluster.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('clusterControlUrl', control.url);
  project.provide('temporalCertsDir', cluster.credentials?.dir ?? '');
}

export async function teardown(): Promise<void> {
  await control?.close();
  await cluster?.stop();
  if (process.env.KEEP_CLUSTER_DATA !== '1') {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}-certs`, { recursive: true, force: true });
  }
}
