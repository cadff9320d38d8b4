/**
 * The Temporal UI on the mTLS + JWT cluster (issue #11): "the UI is read-only for operators unless an operator
 * profile is chosen". The real temporal-ui-server (harness/cluster/ui.ts) connects to the cluster's frontend
 * with an operator's client certificate, behind the authenticating front (harness/cluster/ui-proxy.ts) that
 * adds that operator's JWT. The frontend's authorizer decides: operator-read may look but not terminate,
 * operator-write may terminate, and the UI server reached without the front gets nothing.
 * Runs only against the mTLS cluster: `TEMPORAL_TARGET=cluster npx vitest run test/cluster/ui-auth.test.ts`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FRONTEND_SERVER_NAME, readTemporalCredentials, type TemporalCredentials } from '../../harness/certs';
import { startClusterUi, type ClusterUi } from '../../harness/cluster/ui';
import type { UiProfile } from '../../harness/cluster/ui-proxy';
import { freePort } from '../../harness/dev-server';
import { createLogger } from '../../observability/logger';
import { TEST_CODEC_KEYS } from '../helpers/stack';
import { clusterCertsDir, testConnectionOptions } from '../helpers/temporal-credentials';

const certsDir = clusterCertsDir();
if (!certsDir) throw new Error('this suite needs the mTLS cluster: TEMPORAL_TARGET=cluster');
const creds: TemporalCredentials = readTemporalCredentials(certsDir);
const dataDir = mkdtempSync(path.join(tmpdir(), 'cluster-ui-auth-'));
const GRPC_PERMISSION_DENIED = 7;

let connection: Connection;
let client: Client;
const uis: Partial<Record<UiProfile | 'read-only-ui', ClusterUi>> = {};

async function startUi(profile: UiProfile, subdir: string, showWriteActions: boolean): Promise<ClusterUi> {
  return startClusterUi({
    temporalAddress: inject('temporalAddress'),
    dataDir: path.join(dataDir, subdir),
    codecKeys: TEST_CODEC_KEYS,
    uiPort: await freePort(),
    codecPort: 0,
    tls: {
      caFile: creds.serverCa,
      certFile: creds.clients[profile].cert,
      keyFile: creds.clients[profile].key,
      serverName: FRONTEND_SERVER_NAME,
    },
    operator: { profile, tokenFile: creds.clients[profile].token, showWriteActions },
    logger: createLogger('codec', 'silent'),
    log: () => undefined,
  });
}

/** A run nobody works on (no worker polls its queue): it stays open until someone terminates it. */
async function openRun(): Promise<WorkflowHandle> {
  return client.workflow.start('uiAuthProbe', {
    taskQueue: `ui-auth-probe-${randomUUID()}`,
    workflowId: `ui-auth-probe-${randomUUID()}`,
    workflowExecutionTimeout: '10m',
  });
}

async function call(
  base: string,
  pathname: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${pathname}`, { ...init, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

const terminate = (base: string, workflowId: string, headers: Record<string, string> = {}) =>
  call(base, `/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}/terminate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ reason: 'ui-auth test' }),
  });
const describeRun = (base: string, workflowId: string) =>
  call(base, `/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
const status = async (handle: WorkflowHandle) => (await handle.describe()).status.name;

beforeAll(async () => {
  connection = await Connection.connect(testConnectionOptions('backend'));
  client = new Client({ connection, namespace: 'default' });
  // Write buttons kept on this one so that the refusal below comes from the frontend's authorizer.
  uis['operator-read'] = await startUi('operator-read', 'read', true);
  uis['operator-write'] = await startUi('operator-write', 'write', false);
  uis['read-only-ui'] = await startUi('operator-read', 'read-default', false);
}, 120_000);

afterAll(async () => {
  for (const ui of Object.values(uis)) await ui?.stop();
  await connection?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Temporal UI on the mTLS + JWT cluster', () => {
  it('reads through the operator-read front', async () => {
    const handle = await openRun();
    const read = await describeRun(uis['operator-read']!.url, handle.workflowId);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(JSON.stringify(read.body)).toContain(handle.workflowId);
    await handle.terminate('cleanup');
  });

  it('answers unauthorized when the UI server is reached without the front (no JWT)', async () => {
    const handle = await openRun();
    const ui = uis['operator-read']!;
    expect(ui.serverUrl).not.toBe(ui.url);
    const direct = await describeRun(ui.serverUrl, handle.workflowId);
    expect(direct.status, JSON.stringify(direct.body)).toBe(403);
    expect(direct.body.code).toBe(GRPC_PERMISSION_DENIED);
    await handle.terminate('cleanup');
  });

  it('refuses a write through the operator-read front at the frontend, and the run stays open', async () => {
    const handle = await openRun();
    const refused = await terminate(uis['operator-read']!.url, handle.workflowId);
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.code).toBe(GRPC_PERMISSION_DENIED);
    expect(await status(handle)).toBe('RUNNING');
    await handle.terminate('cleanup');
  });

  it("ignores a browser's own Authorization header: an operator-write token does not pass the read front", async () => {
    const handle = await openRun();
    const writeToken = readFileSync(creds.clients['operator-write'].token, 'utf8').trim();
    const refused = await terminate(uis['operator-read']!.url, handle.workflowId, {
      authorization: `Bearer ${writeToken}`,
    });
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.code).toBe(GRPC_PERMISSION_DENIED);
    expect(await status(handle)).toBe('RUNNING');
    await handle.terminate('cleanup');
  });

  it('hides write actions in the default read-only UI: the UI server itself refuses them too', async () => {
    const handle = await openRun();
    const ui = uis['read-only-ui']!;
    const settings = await call(ui.url, '/api/v1/settings');
    expect(settings.body.DisableWriteActions).toBe(true);
    expect((await terminate(ui.url, handle.workflowId)).status).toBe(405);
    expect(await status(handle)).toBe('RUNNING');
    await handle.terminate('cleanup');
  });

  it('allows the write through the operator-write front', async () => {
    const handle = await openRun();
    const ui = uis['operator-write']!;
    expect((await call(ui.url, '/api/v1/settings')).body.DisableWriteActions).toBe(false);
    const done = await terminate(ui.url, handle.workflowId);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(await status(handle)).toBe('TERMINATED');
  });
});
