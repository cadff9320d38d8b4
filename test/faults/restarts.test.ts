/**
 * Fault 2: the Temporal server (dev server with its SQLite file) restarts with 20 payouts in flight.
 * Fault 3: the gateway process is killed and restarted while the bank delivers webhooks.
 * Both: every payout completes, nothing is duplicated, no acknowledged webhook is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { payoutWorkflowId } from '../../policy/payout-request';
import { spawnGateway, type ChildService } from '../../harness/child-services';
import { freePort, startDevServer, type DevServer } from '../../harness/dev-server';
import type { LocalStack } from '../../harness/local-stack';
import { accountRequest, FAST_SETTINGS, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';

const slowWebhooksOnly = {
  ...FAST_SETTINGS,
  timeouts: { ...FAST_SETTINGS.timeouts, readyTimeoutMs: 120_000, finishTimeoutMs: 120_000 },
};

/** Waits until the bank has a session for every payout, and checks it has finished none: all are in flight. */
async function inFlight(stack: LocalStack, payoutIds: string[]): Promise<void> {
  const bank = () => payoutIds.map((id) => stack.simulator.ledger.summaryFor(`payout-${id}`));
  await waitFor(
    () => (bank().every((s) => s.initsProcessed === 1) ? true : undefined),
    'every payout initiated at the bank',
  );
  expect(bank().filter((s) => s.finalPayoutStatus !== undefined)).toEqual([]);
}

describe('restarts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'restarts-'));
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('Temporal server restart with 20 payouts in flight: all complete, none duplicated', async () => {
    const dbFilename = path.join(dir, 'temporal.sqlite');
    let server: DevServer = await startDevServer({ dbFilename });
    cleanups.push(() => server.stop());
    const stack = await startTestStack({
      temporalAddress: server.address,
      settings: FAST_SETTINGS,
      simulator: {
        processingDelayMs: 800,
        webhookRetryInitialMs: 200,
        webhookRetryMaxMs: 1_000,
        webhookRetryGiveUpMs: 120_000,
      },
    });
    cleanups.push(() => stack.stop());
    const ids = Array.from({ length: 20 }, () => uniquePayoutId('server-restart'));
    await Promise.all(ids.map((id) => stack.payouts.startPayout(accountRequest(id))));
    await inFlight(stack, ids);

    const port = server.port;
    await server.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    server = await startDevServer({ dbFilename, port });

    const results = await Promise.all(ids.map((id) => stack.payouts.result(id)));
    expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'succeeded'));
    const summary = stack.simulator.ledger.summary();
    for (const id of ids)
      expect(summary[payoutWorkflowId(id)]).toMatchObject({
        initsProcessed: 1,
        confirmsProcessed: 1,
        finalPayoutStatus: 'succeeded',
      });
  });

  it('gateway killed and restarted while webhooks are delivered: the bank retries get everything through', async () => {
    const port = await freePort();
    const stack = await startTestStack({
      withoutGateway: true,
      webhookUrl: `http://127.0.0.1:${port}/webhooks/bank131`,
      settings: slowWebhooksOnly,
      simulator: {
        processingDelayMs: 300,
        webhookRetryInitialMs: 200,
        webhookRetryMaxMs: 1_000,
        webhookRetryGiveUpMs: 120_000,
      },
    });
    cleanups.push(() => stack.stop());
    let gateway: ChildService = await spawnGateway(stack, port);
    cleanups.push(() => gateway.kill());

    const ids = Array.from({ length: 10 }, () => uniquePayoutId('gateway-restart'));
    await Promise.all(ids.map((id) => stack.payouts.startPayout(accountRequest(id))));
    // kill it while the first webhooks are in flight
    await inFlight(stack, ids);
    await gateway.kill();
    await new Promise((r) => setTimeout(r, 1_500));
    gateway = await spawnGateway(stack, port);

    const results = await Promise.all(ids.map((id) => stack.payouts.result(id)));
    expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'succeeded'));
    const deliveries = stack.simulator.ledger.entries.filter((e) => e.kind === 'webhook');
    expect(deliveries.some((e) => e.kind === 'webhook' && e.httpStatus !== 200)).toBe(true); // the outage was real
    // Every webhook the gateway acknowledged reached its payout: with webhook-only timeouts, each payout
    // moved through both waits on webhooks alone.
    for (const id of ids) {
      const { state } = await stack.payouts.getPayout(id);
      const kinds = state.events.map((e) => e.kind);
      expect(kinds).toContain('webhook:ready_to_confirm');
      expect(kinds).toContain('webhook:payment_finished');
      expect(kinds).not.toContain('step:reconciling');
    }
    const summary = stack.simulator.ledger.summary();
    for (const id of ids)
      expect(summary[payoutWorkflowId(id)]).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
  });
});
