/**
 * Faults only a real cluster has, on the cluster the global setup started (test/setup/cluster-global-setup.ts):
 * a service process SIGKILLed and started again, PostgreSQL restarted under load, the frontend restarted while
 * the bank delivers webhooks. Each with 20+ payouts in flight; each payout is checked against the simulated
 * bank's own books: exactly one init, at most one confirm, and the outcome agrees with the ledger.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { clusterControl } from '../../harness/cluster/control';
import type { LocalStack } from '../../harness/local-stack';
import type { PayoutResult } from '../../workflows/messages';
import { accountRequest, FAST_SETTINGS, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';

const control = clusterControl(inject('clusterControlUrl'));
const IN_FLIGHT = 24;

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  // Leave every service up for the next test, whatever happened in this one.
  for (const service of ['frontend', 'history', 'matching', 'worker'] as const) await control.start(service);
  await control.waitReady();
});

const wf = (id: string) => `payout-${id}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a payout's result through the fault: the client's own retries can run out while a service is down. */
async function resultOf(s: LocalStack, id: string, timeoutMs = 240_000): Promise<PayoutResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await s.payouts.result(id);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/** 1 init, ≤1 confirm, and the outcome is what the bank's books say happened to the money. */
function expectLedgerAgrees(s: LocalStack, ids: string[], results: PayoutResult[]) {
  ids.forEach((id, i) => {
    const ledger = s.simulator.ledger.summaryFor(wf(id));
    const outcome = results[i]!.outcome;
    const where = `${id}: ${outcome}, ledger ${JSON.stringify(ledger)}`;
    expect(ledger.initsProcessed, where).toBe(1);
    expect(ledger.sessionIds, where).toHaveLength(1);
    expect(ledger.confirmsProcessed, where).toBeLessThanOrEqual(1);
    if (outcome === 'succeeded') {
      expect(ledger.confirmsProcessed, where).toBe(1);
      expect(ledger.finalPayoutStatus, where).toBe('succeeded');
    } else {
      expect(ledger.finalPayoutStatus, where).not.toBe('succeeded');
    }
  });
}

async function startInFlight(prefix: string, settings = FAST_SETTINGS) {
  stack = await startTestStack({
    settings,
    simulator: {
      processingDelayMs: 800,
      webhookRetryInitialMs: 200,
      webhookRetryMaxMs: 1_000,
      webhookRetryGiveUpMs: 180_000,
    },
  });
  const s = stack;
  const ids = Array.from({ length: IN_FLIGHT }, () => uniquePayoutId(prefix));
  await Promise.all(ids.map((id) => s.payouts.startPayout(accountRequest(id))));
  // In flight: the bank has seen the first inits.
  await waitFor(
    () => (ids.some((id) => s.simulator.ledger.summaryFor(wf(id)).initsProcessed > 0) ? true : undefined),
    'the first init at the bank',
    30_000,
  );
  return { s, ids };
}

async function finish(s: LocalStack, ids: string[]) {
  const results = await Promise.all(ids.map((id) => resultOf(s, id)));
  expectLedgerAgrees(s, ids, results);
  // A clean bank and a clean worker: every payout gets through, none is left unknown.
  expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'succeeded'));
  return results;
}

describe('cluster faults, 24 payouts in flight', () => {
  it('history service SIGKILLed and restarted: every payout completes, none duplicated', async () => {
    const { s, ids } = await startInFlight('kill-history');
    await control.kill('history');
    await sleep(2_000);
    await control.start('history');
    await finish(s, ids);
  });

  it('matching service SIGKILLed and restarted: tasks are dispatched again, none duplicated', async () => {
    const { s, ids } = await startInFlight('kill-matching');
    await control.kill('matching');
    await sleep(2_000);
    await control.start('matching');
    await finish(s, ids);
  });

  it('PostgreSQL restarted (every connection cut, 2 s down): every payout completes, none duplicated', async () => {
    const { s, ids } = await startInFlight('restart-postgres');
    await control.restartPostgres(2_000);
    await finish(s, ids);
  });

  it("frontend restarted while the gateway delivers: the gateway answers 503, the bank's retries land", async () => {
    // Webhooks, not polls, must move these payouts on: the deliveries are what is under test.
    const { s, ids } = await startInFlight('restart-frontend', {
      ...FAST_SETTINGS,
      timeouts: { ...FAST_SETTINGS.timeouts, readyTimeoutMs: 180_000, finishTimeoutMs: 180_000 },
    });
    await waitFor(
      () => (s.simulator.ledger.acknowledgedWebhooks().length > 0 ? true : undefined),
      'the first webhook the gateway acknowledged',
      30_000,
    );
    await control.kill('frontend');
    await waitFor(
      () => (s.simulator.ledger.webhookDeliveries().some((e) => e.httpStatus === 503) ? true : undefined),
      'a webhook answered 503 while the frontend is down',
      30_000,
    );
    await sleep(2_000);
    await control.start('frontend');
    await control.waitReady();
    await finish(s, ids);

    const refused = s.simulator.ledger.webhookDeliveries().filter((e) => e.httpStatus === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const id of ids) {
      // every refused delivery was retried until the gateway took it
      for (const r of refused.filter((e) => e.workflowId === wf(id)))
        expect(
          s.simulator.ledger
            .acknowledgedWebhooks(wf(id))
            .some((a) => a.type === r.type && a.sessionId === r.sessionId),
          `${id}: a 503'd webhook was delivered later`,
        ).toBe(true);
      const { state } = await s.payouts.getPayout(id);
      const kinds = state.events.map((e) => e.kind);
      const where = `${id}: ${JSON.stringify(state.events)}`;
      expect(kinds, where).toContain('webhook:ready_to_confirm');
      expect(kinds, where).not.toContain('step:reconciling');
      if (!kinds.includes('webhook:payment_finished')) {
        // The other way a payout may finish here: the confirm's completion could not reach Temporal while the
        // frontend was down, so the activity ran again; the bank refused the spent key, the activity asked
        // `session/status`, and that answer was already final. payment_finished then found the payout closed.
        const retriedConfirm = s.simulator.ledger.entries.some(
          (e) =>
            e.kind === 'request' &&
            e.workflowId === wf(id) &&
            e.endpoint === 'session/confirm' &&
            e.outcome === 'rejected:idempotency_key_already_exists',
        );
        expect(retriedConfirm, `${where}: finished without payment_finished, yet the confirm ran once`).toBe(
          true,
        );
        expect(
          state.events.some(
            (e) => e.kind.startsWith('bank:confirm') && /\/(succeeded|failed)$/.test(e.detail ?? ''),
          ),
          `${where}: no bank answer carried the final state`,
        ).toBe(true);
      }
    }
  });
});
