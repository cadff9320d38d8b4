/**
 * The compose one-shot scripts against a fresh cluster (the one test/setup/cluster-global-setup.ts started with
 * them): the namespace has every search attribute the workflows use, a namespace created a moment ago gets them
 * too (the cache race the old script hid), a failing attribute fails the script, and the schema script re-runs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEMPORAL_SERVER_VERSION } from '../../harness/cluster/binaries';
import { readTemporalCredentials } from '../../harness/certs';
import { cliCredentialEnv, DEPLOY_DIR } from '../../harness/cluster/cluster';
import { clusterControl } from '../../harness/cluster/control';
import { resolveTemporalCli } from '../../harness/temporal-cli';
import { ALL_SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_CLI_ARGS } from '../../workflows/search-attributes';
import { clusterCertsDir, testConnectionOptions } from '../helpers/temporal-credentials';

const address = inject('temporalAddress');
const control = clusterControl(inject('clusterControlUrl'));
const cli = resolveTemporalCli();
const certsDir = clusterCertsDir();
const dir = mkdtempSync(path.join(tmpdir(), 'cluster-setup-'));
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect(testConnectionOptions('admin'));
});
afterAll(async () => {
  await connection?.close();
  rmSync(dir, { recursive: true, force: true });
});

const TYPE_NAMES: Record<string, string> = { Keyword: 'KEYWORD', Int: 'INT', Bool: 'BOOL' };

async function customAttributes(namespace: string): Promise<Record<string, string>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const { temporal } = await import('@temporalio/proto');
  return Object.fromEntries(
    Object.entries(customAttributes ?? {}).map(([name, type]) => [
      name,
      String(temporal.api.enums.v1.IndexedValueType[type as number]).replace('INDEXED_VALUE_TYPE_', ''),
    ]),
  );
}

function expectAll(attributes: Record<string, string>) {
  for (const pair of SEARCH_ATTRIBUTE_CLI_ARGS) {
    const [name, type] = pair.split('=') as [string, string];
    expect(attributes[name], name).toBe(TYPE_NAMES[type]);
  }
}

function createNamespace(namespace: string, extraEnv: Record<string, string> = {}) {
  return spawnSync('bash', [path.join(DEPLOY_DIR, 'create-namespace.sh')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      DEFAULT_NAMESPACE: namespace,
      TEMPORAL_CLI: cli,
      RETRY_SECONDS: '1',
      // On the mTLS cluster the one-shot holds the admin credential, as in docker-compose.yml.
      ...(certsDir ? cliCredentialEnv(readTemporalCredentials(certsDir), 'admin') : {}),
      ...extraEnv,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('setup scripts on a fresh cluster', () => {
  it('is the compose stack: server 1.29.1, PostgreSQL persistence and SQL visibility, at least 4 shards', async () => {
    const info = await connection.workflowService.getClusterInfo({});
    expect(info.serverVersion).toBe(TEMPORAL_SERVER_VERSION.replace(/^v/, ''));
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');
    expect(info.historyShardCount).toBeGreaterThanOrEqual(4);
    const { services } = await control.status();
    expect(Object.values(services).every((pid) => typeof pid === 'number')).toBe(true);
    // frontend, internal-frontend (for the system workers, under the authorizer), history, matching, worker
    expect(new Set(Object.values(services)).size).toBe(5);
  });

  it('the default namespace has every search attribute, with its type', async () => {
    expectAll(await customAttributes('default'));
  });

  it('a brand-new namespace gets every attribute: the script waits for it instead of hiding the error', async () => {
    const namespace = `setup-${randomUUID().slice(0, 8)}`;
    const r = createNamespace(namespace);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`namespace ${namespace} ready`);
    expectAll(await customAttributes(namespace));
    // and a re-run (a restarted one-shot) is fine
    const again = createNamespace(namespace);
    expect(again.status, again.stdout + again.stderr).toBe(0);
  });

  it('a namespace the script just set up is usable at once: a start with every attribute, then a query naming each', async () => {
    // The dynamic config no longer bypasses the servers' namespace caches (a testing-only setting), so the
    // script itself must not report "ready" before they know the new attributes.
    const namespace = `usable-${randomUUID().slice(0, 8)}`;
    const r = createNamespace(namespace);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const client = new Client({ connection, namespace });
    const value = (type: SearchAttributeType) =>
      type === SearchAttributeType.INT ? 131 : type === SearchAttributeType.BOOL ? true : 'probe-131';
    const handle = await client.workflow.start('setupProbe', {
      taskQueue: `setup-probe-${namespace}`,
      workflowId: `probe-${namespace}`,
      typedSearchAttributes: ALL_SEARCH_ATTRIBUTES.map(
        (key) => ({ key, value: value(key.type) }) as SearchAttributePair,
      ),
    });
    const query = ALL_SEARCH_ATTRIBUTES.map((key) => {
      const v = value(key.type);
      return `${key.name} = ${typeof v === 'string' ? `'${v}'` : String(v)}`;
    }).join(' AND ');
    let count = 0;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      count = (await client.workflow.count(query)).count;
      if (count === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await handle.terminate('setup probe');
    expect(count).toBe(1);
  });

  it('fails loudly, without "ready", when an attribute cannot be created', () => {
    // A CLI whose search-attribute create always answers as a lagging namespace cache does.
    const fake = path.join(dir, 'temporal');
    writeFileSync(
      fake,
      `#!/usr/bin/env bash\nif [ "$2" = search-attribute ] && [ "$3" = create ]; then echo "Namespace x is not found." >&2; exit 1; fi\nexec ${cli} "$@"\n`,
    );
    chmodSync(fake, 0o755);
    const namespace = `broken-${randomUUID().slice(0, 8)}`;
    const r = createNamespace(namespace, { TEMPORAL_CLI: fake, MAX_ATTEMPTS: '2' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/error: creating search attribute PayoutId/);
    expect(r.stdout).not.toMatch(/ready/);
  });

  it('the schema script re-runs on a set-up database (a restarted one-shot)', async () => {
    const s = await control.status();
    const r = spawnSync('bash', [path.join(DEPLOY_DIR, 'setup-postgres.sh')], {
      env: {
        ...process.env,
        POSTGRES_SEEDS: s.postgres.host,
        DB_PORT: String(s.postgres.port),
        POSTGRES_USER: s.postgres.user,
        POSTGRES_PWD: s.postgres.password,
        SCHEMA_DIR: s.schemaDir,
        TEMPORAL_SQL_TOOL: s.sqlTool,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('temporal schemas ready');
  });

  it('the schema script stops at a wrong password instead of carrying on', async () => {
    const s = await control.status();
    const r = spawnSync('bash', [path.join(DEPLOY_DIR, 'setup-postgres.sh')], {
      env: {
        ...process.env,
        POSTGRES_SEEDS: s.postgres.host,
        DB_PORT: String(s.postgres.port),
        POSTGRES_USER: s.postgres.user,
        POSTGRES_PWD: 'wrong',
        SCHEMA_DIR: s.schemaDir,
        TEMPORAL_SQL_TOOL: s.sqlTool,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/error: creating database temporal failed/);
  });
});
