/**
 * What an operator sees: the Temporal Web UI in a real headless Chromium finds the payout by its ID, shows its
 * step, status and amount in the workflow list (search attribute columns added as an operator does), and its
 * input and static summary decoded through the codec server on its page. Saves screenshots under test-results/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, parseCodecKeys } from '../../codec/aes-gcm-codec';
import { AUTH_DISABLED_FOR_LOCAL_DEV, startCodecServer } from '../../codec/server';
import { createLogger } from '../../observability/logger';
import type { LocalStack } from '../../harness/local-stack';
import { freePort } from '../../harness/dev-server';
import { accountRequest, startTestStack, TEST_CODEC_KEYS, uniquePayoutId } from '../helpers/stack';
import { payoutWorkflowId } from '../../policy/payout-request';
import { PayoutAmountKey, PayoutStatusKey, PayoutStepKey } from '../../workflows/search-attributes';
import { launchChromium, TEST_RESULTS } from '../helpers/browser';
import { addListColumns, PAYOUT_LIST_COLUMNS, readListRow } from '../helpers/ui-list';

const RESULTS = TEST_RESULTS;

let stack: LocalStack;
let browser: Browser;
let codecServer: Awaited<ReturnType<typeof startCodecServer>>;
let uiUrl: string;

beforeAll(async () => {
  browser = await launchChromium(); // first: no Chromium fails before anything starts
  const uiPort = await freePort();
  codecServer = await startCodecServer({
    codec: new AesGcmPayloadCodec(parseCodecKeys(TEST_CODEC_KEYS)),
    authToken: AUTH_DISABLED_FOR_LOCAL_DEV,
    corsOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
    logger: createLogger('codec', 'silent'),
    host: '127.0.0.1',
    port: 0,
  });
  stack = await startTestStack({
    temporalAddress: undefined, // its own dev server, with the Web UI
    devServer: { uiPort, uiCodecEndpoint: codecServer.url },
  });
  uiUrl = stack.devServer!.uiUrl!;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await codecServer?.close();
});

describe('Temporal Web UI', () => {
  it('finds the payout by its ID and shows its input decoded', async () => {
    const payoutId = uniquePayoutId('ui');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');

    const page = await browser.newPage({ viewport: { width: 1440, height: 1800 } });
    // The list, filtered by our search attribute, as an operator would look it up.
    const query = encodeURIComponent(`PayoutId="${payoutId}"`);
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`, { waitUntil: 'networkidle' });
    await page.getByText(payoutWorkflowId(payoutId)).first().waitFor({ state: 'attached', timeout: 30_000 });
    mkdirSync(RESULTS, { recursive: true });

    // The list row shows what the workflow published, once the operator adds our columns (⚙ Configure Columns).
    const { typedSearchAttributes: published } = await stack.client.workflow
      .getHandle(payoutWorkflowId(payoutId))
      .describe();
    await addListColumns(page, PAYOUT_LIST_COLUMNS);
    const row = await readListRow(page, payoutWorkflowId(payoutId));
    expect(row).toMatchObject({
      'Workflow ID': payoutWorkflowId(payoutId),
      [PayoutStatusKey.name]: 'succeeded',
      [PayoutStepKey.name]: published.get(PayoutStepKey),
      [PayoutAmountKey.name]: '150000', // kopecks: 1 500.00 RUB
    });
    // Tripwire: UI 2.42's list cannot show the static summary (docs/observability.md, "Known limits"). If a UI
    // upgrade brings it into the list, this fails: read the summary in the row then.
    expect(Object.values(row).join(' ')).not.toContain('RUB to 40817***4312');
    // Wide enough that the added columns are in the picture (the table scrolls sideways otherwise).
    await page.setViewportSize({ width: 2200, height: 700 });
    await page.screenshot({ path: path.join(RESULTS, 'temporal-ui-search.png') });
    // The README's picture of the list (docs/images/temporal-ui-list.jpg is a copy): filter, columns, the row.
    await page.screenshot({
      path: path.join(RESULTS, 'temporal-ui-list-readme.jpg'),
      type: 'jpeg',
      quality: 60,
      clip: { x: 64, y: 0, width: 2136, height: 320 },
    });
    await page.setViewportSize({ width: 1440, height: 1800 });
    await page.goto(`${uiUrl}/namespaces/default/workflows/${payoutWorkflowId(payoutId)}`, {
      waitUntil: 'networkidle',
    });
    // The input card shows the payload decoded by the codec server: the account number is readable.
    await page.getByText('40817810099910004312').first().waitFor({ state: 'attached', timeout: 30_000 });
    // The static summary, decoded through the codec server, heads the payout's page (the list cannot show it:
    // list results carry no user metadata).
    const summary = `1 500.00 RUB to 40817***4312 · payout ${payoutId}`;
    await page.getByText(summary).first().waitFor({ state: 'attached', timeout: 30_000 });
    // Activities carry their summaries in the timeline.
    await page
      .getByText(/confirm session ps_/)
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 });
    await page.screenshot({ path: path.join(RESULTS, 'temporal-ui-payout.png'), fullPage: true });
    // The README's picture (docs/images/temporal-ui-payout.jpg is a copy): header, input, timeline.
    await page.screenshot({
      path: path.join(RESULTS, 'temporal-ui-payout-readme.jpg'),
      type: 'jpeg',
      quality: 60,
      clip: { x: 64, y: 0, width: 1376, height: 1080 },
    });
    expect(await page.content()).toContain('40817810099910004312');
    expect(await page.content()).toContain(summary);
    await page.close();
  });
});
