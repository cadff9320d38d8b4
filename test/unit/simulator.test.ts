/**
 * The Bank 131 simulator speaks the protocol: signed requests only, idempotency keys, the session life
 * cycle, the confirm deadline, and signed webhooks redelivered until acknowledged.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/stack';
import { simulatorHarness } from './simulator-harness';

const h = simulatorHarness();
const { received, start, call, initPayout } = h;

describe('Bank 131 simulator', () => {
  it('refuses unsigned, badly signed and foreign-project requests', async () => {
    await start();
    const body = {
      type: 'bank_account_ru',
      bank_account_ru: { bik: '049205131', account: '40817810099910004312' },
    };
    expect((await call('tokenize', body, { sign: false })).body.error?.code).toBe('authentication_error');
    expect((await call('tokenize', body, { project: 'other' })).status).toBe(403);
    expect(
      h.sim.ledger.entries.filter((e) => e.kind === 'request' && e.outcome === 'unauthenticated'),
    ).toHaveLength(2);
  });

  it('runs a payout through its documented life cycle and signs its webhooks', async () => {
    await start();
    const { sessionId, init } = await initPayout();
    expect(sessionId).toMatch(/^ps_\d+$/);
    expect(init.body.session!.payments[0]!.id).toMatch(/^po_\d+$/);
    await waitFor(
      () => (received.some((w) => w.type === 'ready_to_confirm') ? true : undefined),
      'ready_to_confirm',
    );
    const status = await call('session/status', { session_id: sessionId });
    expect(status.body.session).toMatchObject({ status: 'in_progress', next_action: 'confirm' });
    expect(status.body.session!.payments[0]!.payment_method.bank_account.ru.account).toBe('40817***4312');
    expect((await call('session/confirm', { session_id: sessionId }, { key: 'w1:confirm' })).status).toBe(
      200,
    );
    await waitFor(
      () => (received.some((w) => w.type === 'payment_finished') ? true : undefined),
      'payment_finished',
    );
    expect(received.every((w) => w.signatureValid)).toBe(true);
    expect(received.find((w) => w.type === 'payment_finished')!.session.status).toBe('accepted');
    expect(h.sim.ledger.summary()['payout-w1']).toMatchObject({
      initsProcessed: 1,
      confirmsProcessed: 1,
      finalPayoutStatus: 'succeeded',
    });
  });

  it('answers idempotency_key_already_exists for a key it processed, and session_wrong_state out of turn', async () => {
    // long enough that the first confirm surely comes before ready_to_confirm
    await start({ processingDelayMs: 300 });
    const { sessionId } = await initPayout();
    expect((await call('session/confirm', { session_id: sessionId }, { key: 'k1' })).body.error?.code).toBe(
      'session_wrong_state',
    );
    await waitFor(() => (received.length > 0 ? true : undefined), 'ready');
    expect((await call('session/confirm', { session_id: sessionId }, { key: 'k2' })).status).toBe(200);
    const again = await call('session/confirm', { session_id: sessionId }, { key: 'k2' });
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'idempotency_key_already_exists' } } });
    expect(h.sim.ledger.confirmsProcessed('payout-w1')).toBe(1);
  });

  it("takes a payout's own processing time when its scenario gives one (a slow bank), the bank's otherwise", async () => {
    await start({ processingDelayMs: 10 });
    h.sim.setScenario('payout-slow', { processingDelayMs: 400 });
    const startedAt = performance.now();
    const slow = await initPayout(10_000, 'payout-slow');
    const fast = await initPayout(10_000, 'payout-fast');
    await h.webhook('ready_to_confirm', fast.sessionId);
    expect(received.some((w) => w.session.id === slow.sessionId)).toBe(false);
    await h.webhook('ready_to_confirm', slow.sessionId);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(400);
    const confirmedAt = performance.now();
    await call('session/confirm', { session_id: slow.sessionId }, { key: 'slow:confirm' });
    await h.webhook('payment_finished', slow.sessionId);
    expect(performance.now() - confirmedAt).toBeGreaterThanOrEqual(400);
  });

  it('cancels on its own when nobody confirms before the deadline', async () => {
    await start({ confirmDeadlineMs: 50 });
    await initPayout();
    await waitFor(
      () => (received.some((w) => w.type === 'payment_finished') ? true : undefined),
      'auto-cancel',
    );
    expect(received.at(-1)!.session.status).toBe('cancelled');
    expect(h.sim.ledger.summary()['payout-w1']?.finalSessionStatus).toBe('cancelled');
  });

  it('redelivers a webhook until the receiver answers 200', async () => {
    await start();
    h.answers.push(500, 503);
    await initPayout();
    await waitFor(() => (received.length >= 3 ? true : undefined), 'three attempts');
    const attempts = h.sim.ledger.entries.filter(
      (e) => e.kind === 'webhook' && e.type === 'ready_to_confirm',
    );
    expect(attempts.map((e) => (e.kind === 'webhook' ? e.httpStatus : 0))).toEqual([500, 503, 200]);
  });

  it('picks scenarios by amount and fault rules by endpoint, and the control API works', async () => {
    await start();
    const rejected = await initPayout(10_010, 'payout-w2'); // kopecks 10 → init_rejected
    expect(rejected.init.body.error?.code).toBe('operation_rejected');
    const put = await fetch(`${h.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'tokenize', kind: 'http_503', times: 1 }),
    });
    expect(put.status).toBe(200);
    expect(
      (
        await call('tokenize', {
          type: 'bank_account_ru',
          bank_account_ru: { bik: '049205131', account: '40817810099910004312' },
        })
      ).status,
    ).toBe(503);
    const bad = await fetch(`${h.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'x', kind: 'meteor' }),
    });
    expect(bad.status).toBe(400);
    const ledger = (await (await fetch(`${h.sim.url}/_sim/ledger`)).json()) as {
      entries: { outcome?: string }[];
    };
    expect(ledger.entries.map((e) => e.outcome)).toEqual(
      expect.arrayContaining(['rejected:operation_rejected', 'fault:http_503']),
    );
  });
});
