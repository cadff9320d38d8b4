/**
 * What an operator sees on the production topology: the Temporal UI that `npm run cluster` starts
 * (harness/cluster/ui.ts: temporal-ui-server at compose's version, pointed at the cluster's frontend, the codec
 * server as its codec endpoint), in a real headless Chromium, finds a payout that ran on the cluster, reads its
 * row in the workflow list (status, step and amount from SQL visibility, as columns an operator adds), and shows
 * its input and static summary decrypted through the codec server, while the cluster stores them encrypted. On the mTLS + JWT cluster
 * (the default) the browser goes through the authenticating front as operator-read, as `npm run cluster` sets
 * it up; with CLUSTER_INSECURE=1 it talks to the UI server directly.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENCRYPTED_ENCODING } from '../../codec/aes-gcm-codec';
import { FRONTEND_SERVER_NAME, readTemporalCredentials } from '../../harness/certs';
import { startClusterUi, type ClusterUi } from '../../harness/cluster/ui';
import { freePort } from '../../harness/dev-server';
import type { LocalStack } from '../../harness/local-stack';
import { createLogger } from '../../observability/logger';
import { payoutWorkflowId } from '../../policy/payout-request';
import { PayoutAmountKey, PayoutStatusKey, PayoutStepKey } from '../../workflows/search-attributes';
import { accountRequest, startTestStack, TEST_CODEC_KEYS, uniquePayoutId } from '../helpers/stack';
import { launchChromium, TEST_RESULTS } from '../helpers/browser';
import { addListColumns, PAYOUT_LIST_COLUMNS, readListRow } from '../helpers/ui-list';
import { clusterCertsDir } from '../helpers/temporal-credentials';

const RESULTS = TEST_RESULTS;
const ACCOUNT = '40817810099910004312'; // accountRequest's account number

const dataDir = mkdtempSync(path.join(tmpdir(), 'cluster-ui-'));
let stack: LocalStack;
let ui: ClusterUi;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(); // first: no Chromium fails before anything starts
  stack = await startTestStack(); // a worker and gateway on the cluster (temporalAddress from the global setup)
  const certsDir = clusterCertsDir();
  const creds = certsDir ? readTemporalCredentials(certsDir) : undefined;
  ui = await startClusterUi({
    temporalAddress: inject('temporalAddress'),
    ...(creds && {
      tls: {
        caFile: creds.serverCa,
        certFile: creds.clients['operator-read'].cert,
        keyFile: creds.clients['operator-read'].key,
        serverName: FRONTEND_SERVER_NAME,
      },
      operator: { profile: 'operator-read' as const, tokenFile: creds.clients['operator-read'].token },
    }),
    dataDir,
    codecKeys: TEST_CODEC_KEYS,
    uiPort: await freePort(),
    codecPort: 0,
    logger: createLogger('codec', 'silent'),
    log: () => undefined,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Temporal UI on the cluster', () => {
  it('finds a payout run on the cluster and shows its input decoded by the codec server', async () => {
    const payoutId = uniquePayoutId('cluster-ui');
    const workflowId = payoutWorkflowId(payoutId);
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');

    // What the cluster stores is ciphertext: anything readable in the UI came through the codec server.
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.[METADATA_ENCODING_KEY] ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(input?.data ?? []).toString('latin1')).not.toContain(ACCOUNT);

    const page = await browser.newPage({ viewport: { width: 1440, height: 1800 } });
    // On the mTLS + JWT cluster every UI API call needs the operator's token: none may come back refused.
    const refusedApiCalls: string[] = [];
    page.on('response', (res) => {
      if (res.url().startsWith(`${ui.url}/api/`) && (res.status() === 401 || res.status() === 403))
        refusedApiCalls.push(`${res.status()} ${res.url()}`);
    });
    const decodes: number[] = [];
    page.on('response', (res) => {
      if (res.url().startsWith(ui.codecUrl) && res.url().endsWith('/decode')) decodes.push(res.status());
    });
    // The list, filtered by our search attribute (SQL visibility in PostgreSQL), as an operator looks it up.
    const query = encodeURIComponent(`PayoutId="${payoutId}"`);
    await page.goto(`${ui.url}/namespaces/default/workflows?query=${query}`, { waitUntil: 'networkidle' });
    await page.getByText(workflowId).first().waitFor({ state: 'attached', timeout: 30_000 });
    mkdirSync(RESULTS, { recursive: true });
    // The row shows what the workflow published, once the operator adds our columns (⚙ Configure Columns).
    const { typedSearchAttributes: published } = await stack.client.workflow.getHandle(workflowId).describe();
    await addListColumns(page, PAYOUT_LIST_COLUMNS);
    const row = await readListRow(page, workflowId);
    expect(row).toMatchObject({
      'Workflow ID': workflowId,
      [PayoutStatusKey.name]: 'succeeded',
      [PayoutStepKey.name]: published.get(PayoutStepKey),
      [PayoutAmountKey.name]: '150000', // kopecks: 1 500.00 RUB
    });
    // Tripwire: the list cannot show the static summary (docs/observability.md, "Known limits").
    expect(Object.values(row).join(' ')).not.toContain('RUB to 40817***4312');
    await page.setViewportSize({ width: 2200, height: 700 });
    await page.screenshot({ path: path.join(RESULTS, 'cluster-ui-search.png') });
    await page.setViewportSize({ width: 1440, height: 1800 });

    await page.goto(`${ui.url}/namespaces/default/workflows/${workflowId}`, { waitUntil: 'networkidle' });
    await page.getByText(ACCOUNT).first().waitFor({ state: 'attached', timeout: 30_000 });
    // The static summary heads the payout's page, decrypted through the codec server like the input.
    const summary = `1 500.00 RUB to 40817***4312 · payout ${payoutId}`;
    await page.getByText(summary).first().waitFor({ state: 'attached', timeout: 30_000 });
    await page.screenshot({ path: path.join(RESULTS, 'cluster-ui-payout.png'), fullPage: true });
    expect(await page.content()).toContain(ACCOUNT);
    expect(await page.content()).toContain(summary);
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((status) => status === 200)).toBe(true);
    expect(refusedApiCalls).toEqual([]);
    await page.close();
  });
});
