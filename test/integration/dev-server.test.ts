import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer, type DevServer } from '../../harness/dev-server';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

describe('the project-built Temporal dev server', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'temporal-dev-'));
  let server: DevServer | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the Web UI, registers our search attributes, and keeps workflows across a restart', async () => {
    const dbFilename = path.join(dir, 'temporal.sqlite');
    const uiPort = await freePort();
    server = await startDevServer({ dbFilename, uiPort });
    const ui = await fetch(server.uiUrl!);
    expect(ui.status).toBe(200);

    let connection = await Connection.connect({ address: server.address });
    let client = new Client({ connection });
    const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of ALL_SEARCH_ATTRIBUTES)
      expect(Object.keys(attributes.customAttributes)).toContain(key.name);
    // No worker is needed: the server stores the start; the restart must not lose it.
    const handle = await client.workflow.start('noWorkerNeeded', {
      taskQueue: 'nobody',
      workflowId: 'persisted-1',
    });
    await connection.close();

    const port = server.port;
    await server.stop();
    server = await startDevServer({ dbFilename, port });
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    const description = await client.workflow.getHandle('persisted-1').describe();
    expect(description.runId).toBe(handle.firstExecutionRunId);
    expect(description.status.name).toBe('RUNNING');
    await client.workflow.getHandle('persisted-1').terminate('test done');
    await connection.close();
  });
});
