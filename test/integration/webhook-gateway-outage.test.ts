/**
 * Temporal goes down while the bank delivers a webhook: the gateway answers 503 (never a false 200), the
 * bank retries, and once Temporal is back the webhook gets through. Each test runs its own dev server on a
 * SQLite file, so it can be stopped and restarted on the same port.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import type { LocalStack } from '../../harness/local-stack';
import { startDevServer, type DevServer } from '../../harness/dev-server';
import { recordedQuery, type Recorded } from '../fixtures/gateway-workflows';
import { startGatewayFixture } from '../helpers/gateway-fixture';
import { FAST_SETTINGS, accountRequest, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';
import { postWebhook, readyWebhook, signed } from '../helpers/webhooks';
import { payoutWorkflowId } from '../../policy/payout-request';

describe('gateway while Temporal is down, with the recording workflow', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outage-direct-'));
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what it acknowledged across a restart, answers 503 while down, then 200 to the retry', async () => {
    const bankKey = generateKeyPairPem();
    const dbFilename = path.join(dir, 'temporal.sqlite');
    let server: DevServer = await startDevServer({ dbFilename });
    cleanups.push(() => server.stop());
    const { address, port } = server;
    const outcomes: { status: number; outcome: string }[] = [];
    const fixture = await startGatewayFixture(
      { bankPublicKeysPem: [bankKey.publicKeyPem] },
      { address, onWebhook: ({ status, outcome }) => outcomes.push({ status, outcome }) },
    );
    cleanups.push(() => fixture.stop());
    const { client, gateway, taskQueue } = fixture;
    const url = `${gateway.url}/webhooks/bank131`;

    const workflowId = payoutWorkflowId(`outage-${randomUUID()}`);
    await client.workflow.start('payoutWorkflow', { taskQueue, workflowId });
    const sessionId = `ps_${randomUUID().slice(0, 8)}`;
    const ready = signed(readyWebhook(sessionId, workflowId), bankKey.privateKeyPem);
    const finished = signed(
      {
        ...readyWebhook(sessionId, workflowId),
        type: 'payment_finished',
        session: { ...readyWebhook(sessionId, workflowId).session, status: 'accepted' },
      },
      bankKey.privateKeyPem,
    );
    expect((await postWebhook(url, ready.raw, ready.signature)).status).toBe(200);

    await server.stop();
    const whileDown = await postWebhook(url, finished.raw, finished.signature);
    expect(whileDown.status).toBe(503);
    expect(whileDown.json).toEqual({ error: 'temporal_unavailable' });
    expect((await fetch(`${gateway.internalUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    server = await startDevServer({ dbFilename, port });
    // The bank's retry, until Temporal answers again.
    await waitFor(
      async () =>
        (await postWebhook(url, finished.raw, finished.signature)).status === 200 ? true : undefined,
      'a 200 for the retried webhook',
      60_000,
    );
    expect((await fetch(`${gateway.internalUrl}/readyz`)).status).toBe(200);

    const recorded = await client.workflow.getHandle(workflowId).query<Recorded>(recordedQuery);
    // The webhook acknowledged before the outage survived the restart; the retried one arrived once.
    expect(recorded.applied.map((s) => s.type)).toEqual(['ready_to_confirm', 'payment_finished']);
    expect(outcomes.filter((o) => o.status === 200).every((o) => o.outcome === 'signalled')).toBe(true);
    expect(outcomes.filter((o) => o.status !== 200).every((o) => o.status === 503)).toBe(true);
  });
});

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
    expect(stack.simulator.ledger.summary()[payoutWorkflowId(payoutId)]).toMatchObject({
      initsProcessed: 1,
      confirmsProcessed: 1,
    });
  });
});
