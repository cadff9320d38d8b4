/**
 * Temporal goes down while the bank delivers a webhook: the gateway answers 503 (never a false 200), the
 * bank retries, and once Temporal is back the webhook gets through and the payout completes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { FAST_SETTINGS, accountRequest, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';

describe('gateway while Temporal is down', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outage-'));
  let server: DevServer | undefined;
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while Temporal is unreachable, then delivers the bank retry and the payout completes', async () => {
    const dbFilename = path.join(dir, 'temporal.sqlite');
    server = await startDevServer({ dbFilename });
    stack = await startTestStack({
      temporalAddress: server.address,
      // long enough that the webhook, not a status poll, is what moves the payout on
      settings: { ...FAST_SETTINGS, timeouts: { ...FAST_SETTINGS.timeouts, readyTimeoutMs: 120_000 } },
      simulator: {
        processingDelayMs: 1_500,
        webhookRetryInitialMs: 200,
        webhookRetryMaxMs: 1_000,
        webhookRetryGiveUpMs: 120_000,
        scenariosByAmount: false,
      },
    });
    const payoutId = uniquePayoutId('outage');
    await stack.payouts.startPayout(accountRequest(payoutId));
    await waitFor(async () => {
      const { state } = await stack!.payouts.getPayout(payoutId);
      return state.step === 'awaiting_ready' ? true : undefined;
    }, 'awaiting_ready');

    const port = server.port;
    await server.stop();
    const readyDeliveries = () =>
      stack!.simulator.ledger.entries.filter((e) => e.kind === 'webhook' && e.type === 'ready_to_confirm');
    await waitFor<boolean>(
      () => (readyDeliveries().some((e) => e.kind === 'webhook' && e.httpStatus === 503) ? true : undefined),
      'a 503 to the bank',
      30_000,
    );
    expect(readyDeliveries().every((e) => e.kind === 'webhook' && e.httpStatus !== 200)).toBe(true);

    server = await startDevServer({ dbFilename, port });
    const result = await stack.payouts.result(payoutId);
    expect(result.outcome).toBe('succeeded');
    const statuses = readyDeliveries().map((e) => (e.kind === 'webhook' ? e.httpStatus : undefined));
    expect(statuses).toContain(503);
    expect(statuses.at(-1)).toBe(200);
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(state.events.map((e) => e.kind)).toContain('webhook:ready_to_confirm');
    expect(stack.simulator.ledger.summary()[`payout-${payoutId}`]).toMatchObject({
      initsProcessed: 1,
      confirmsProcessed: 1,
    });
  });
});
