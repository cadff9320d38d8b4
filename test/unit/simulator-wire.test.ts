/**
 * The simulator models the bank on its own terms: its own account rules and masks, and every wire shape the
 * real API may use, so the client's parser meets the bank's variety instead of a copy of itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { loadSimulatorConfig } from '../../config';
import {
  isPayableAccountNumber,
  isValidBik,
  MASK_FORMATS,
  maskAccountNumber,
} from '../../simulator/accounts';
import { seededRandom } from '../../simulator/faults';
import {
  DEFAULT_WIRE,
  drawnVariant,
  randomVariant,
  WIRE_DIMENSION_NAMES,
  WIRE_DIMENSIONS,
  type WireVariant,
} from '../../simulator/wire';
import { waitFor } from '../helpers/stack';
import { simulatorHarness } from './simulator-harness';
import { payoutWorkflowId } from '../../policy/payout-request';

const h = simulatorHarness();
const ACCOUNT = '40817810099910004312';
type Json = Record<string, unknown>;
/** The value at a dotted path (`a.b.0.c`), for bodies whose shape the test is checking. */
const at = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v as Json | undefined)?.[key], value);

/** A payout in this variant, waiting for confirmation; its session as session/status renders it. */
async function awaitingConfirm(variant: Partial<WireVariant>, workflowId = 'payout-wire') {
  h.sim.setWireVariant(workflowId, variant);
  const started = await h.initPayout(10_000, workflowId);
  const ready = await h.webhook('ready_to_confirm', started.sessionId);
  const status = await h.call('session/status', { session_id: started.sessionId });
  return { ...started, ready, session: (status.body as Json).session as Json };
}

/** A payout in this variant that succeeded; its session as session/status renders it. */
async function succeeded(variant: Partial<WireVariant>, workflowId = 'payout-wire') {
  const { sessionId, token } = await awaitingConfirm(variant, workflowId);
  await h.call('session/confirm', { session_id: sessionId }, { key: `${workflowId}:confirm` });
  const finished = await h.webhook('payment_finished', sessionId);
  const status = await h.call('session/status', { session_id: sessionId });
  return { sessionId, token, finished, session: (status.body as Json).session as Json };
}

const payoutOf = (session: Json): Json => (at(session, 'payments.0') ?? at(session, 'payout_list.0')) as Json;
const ruOf = (session: Json): Json => {
  const p = payoutOf(session);
  return (at(p, 'payment_method.bank_account.ru') ?? at(p, 'payout_details.bank_account.ru')) as Json;
};

const SIMULATOR_DIR = join(__dirname, '../../simulator');

describe('simulator independence', () => {
  it('imports nothing from the client but the signing primitives', () => {
    const offending: string[] = [];
    for (const file of readdirSync(SIMULATOR_DIR).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(SIMULATOR_DIR, file), 'utf8');
      for (const [, spec] of source.matchAll(/from\s+'([^']+)'/g)) {
        if (/^\.\.\/bank131(?!\/signature$)/.test(spec!)) offending.push(`${file}: ${spec}`);
        if (/^\.\.\/(activities|workflows|policy|webhook-gateway|client)(\/|$)/.test(spec!))
          offending.push(`${file}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('has its own account rules', () => {
    expect(isValidBik('049205131')).toBe(true);
    expect(isValidBik('04920513')).toBe(false);
    for (const prefix of ['40817810', '42301810', '42307810', '40802810', '40820810', '40702810'])
      expect(isPayableAccountNumber(`${prefix}099910004312`)).toBe(true);
    expect(isPayableAccountNumber('42308810099910004312')).toBe(false);
    expect(isPayableAccountNumber('40817810099910004312 ')).toBe(false);
  });

  it('masks an account in every format it knows', () => {
    const account = '40817810099910004312';
    expect(Object.fromEntries(MASK_FORMATS.map((f) => [f, maskAccountNumber(account, f)]))).toEqual({
      short: '40817***4312',
      full: '40817***********4312',
      six_four: '408178**********4312',
      x: '40817xxxxxxxxxxx4312',
      bullet: '40817•••4312',
      last4: '****4312',
    });
  });
});

describe('wire variants', () => {
  it('renders the default variant in the one shape it always had', async () => {
    await h.start();
    const { session, token, ready } = await awaitingConfirm({});
    expect(Object.keys(session)).toEqual([
      'id',
      'status',
      'created_at',
      'updated_at',
      'next_action',
      'payments',
    ]);
    expect(Object.keys(payoutOf(session))).toEqual([
      'id',
      'status',
      'created_at',
      'payment_method',
      'amount_details',
      'metadata',
    ]);
    expect(payoutOf(session)).toMatchObject({
      status: 'pending',
      payment_method: {
        type: 'bank_account',
        bank_account: {
          system_type: 'ru',
          ru: { token, account: '40817***4312', full_name: 'Иванов', description: 'x' },
        },
      },
      amount_details: { amount: 10_000, currency: 'rub' },
      metadata: 'payout-wire',
    });
    expect(Object.keys(ruOf(session))).toEqual(['token', 'account', 'full_name', 'description']);
    expect(Object.keys(ready.body)).toEqual(['type', 'session']);
    expect(h.sim.ledger.variantOf('payout-wire')).toEqual(DEFAULT_WIRE);
  });

  it('v2 renders payout_list and payout_details instead of payments and payment_method', async () => {
    await h.start();
    const { session, ready } = await awaitingConfirm({ version: 'v2' });
    expect(session).toHaveProperty('payout_list');
    expect(session).not.toHaveProperty('payments');
    expect(payoutOf(session)).toHaveProperty('payout_details.bank_account.ru.account', '40817***4312');
    expect(payoutOf(session)).not.toHaveProperty('payment_method');
    expect(ready.body.session).toHaveProperty('payout_list');
  });

  it.each(MASK_FORMATS)(
    'masks the account as %s in answers and webhooks; tokenize keeps the documented mask',
    async (mask) => {
      await h.start();
      const { session, ready, tokenized } = await awaitingConfirm({ mask });
      const expected = maskAccountNumber(ACCOUNT, mask);
      expect(ruOf(session).account).toBe(expected);
      expect(ruOf(ready.body.session as Json).account).toBe(expected);
      expect(at(tokenized.body, 'data.masked_account')).toBe(maskAccountNumber(ACCOUNT, 'short'));
    },
  );

  it('leaves out the token, the full name, or the whole recipient', async () => {
    await h.start();
    const noToken = ruOf((await awaitingConfirm({ token: 'absent' }, 'payout-a')).session);
    expect(noToken).not.toHaveProperty('token');
    expect(noToken).toHaveProperty('account');
    const noName = ruOf((await awaitingConfirm({ fullName: 'absent' }, 'payout-b')).session);
    expect(noName).not.toHaveProperty('full_name');
    expect(noName).toHaveProperty('token');
    const nobody = ruOf((await awaitingConfirm({ recipient: 'none' }, 'payout-c')).session);
    expect(nobody).not.toHaveProperty('token');
    expect(nobody).not.toHaveProperty('account');
  });

  it('renders errors with or without "status":"error"', async () => {
    await h.start({ processingDelayMs: 5_000 });
    for (const [errorStyle, workflowId] of [
      ['with_status', 'payout-a'],
      ['without_status', 'payout-b'],
    ] as const) {
      h.sim.setWireVariant(workflowId, { errorStyle });
      const { sessionId } = await h.initPayout(10_000, workflowId);
      // before ready_to_confirm: out of turn
      const early = await h.call('session/confirm', { session_id: sessionId });
      expect(early.status).toBe(400);
      expect(JSON.parse(early.text)).toEqual(
        errorStyle === 'with_status'
          ? { status: 'error', error: { code: 'session_wrong_state', description: 'session is in_progress' } }
          : { error: { code: 'session_wrong_state', description: 'session is in_progress' } },
      );
    }
  });

  it('renders amounts as strings and booleans as strings', async () => {
    await h.start();
    const numbers = await awaitingConfirm({ numbersAsStrings: true }, 'payout-a');
    expect(payoutOf(numbers.session).amount_details).toEqual({ amount: '10000', currency: 'rub' });
    expect(at(payoutOf(numbers.ready.body.session as Json), 'amount_details.amount')).toBe('10000');
    const booleans = await awaitingConfirm({ stringBooleans: true }, 'payout-b');
    expect(ruOf(booleans.session).is_fast).toBe('false');
  });

  it('adds unknown fields to the session, the payout and the webhook envelope', async () => {
    await h.start();
    const { session, ready } = await awaitingConfirm({ extraFields: true });
    expect(session).toHaveProperty('unknown_session_field');
    expect(payoutOf(session)).toHaveProperty('unknown_payout_field');
    expect(ready.body).toHaveProperty('unknown_webhook_field');
  });

  it('reports the fee and transaction info on a succeeded payout', async () => {
    await h.start();
    const { session, finished } = await succeeded({ finishExtras: true });
    for (const p of [payoutOf(session), payoutOf(finished.body.session as Json)]) {
      expect(p.amounts).toEqual({ fee: { merchant_fee: { amount: 100, currency: 'rub' } } });
      expect(at(p, 'transaction_info.rrn')).toMatch(/^\d{12}$/);
      expect(at(p, 'transaction_info.auth_code')).toMatch(/^\d{6}$/);
    }
    const waiting = await awaitingConfirm({ finishExtras: true }, 'payout-b');
    expect(payoutOf(waiting.session)).not.toHaveProperty('amounts');
  });

  it('puts metadata on the payout, the session or both', async () => {
    await h.start();
    const onSession = (await awaitingConfirm({ metadataOn: 'session' }, 'payout-a')).session;
    expect(onSession.metadata).toBe('payout-a');
    expect(payoutOf(onSession)).not.toHaveProperty('metadata');
    const onBoth = (await awaitingConfirm({ metadataOn: 'both' }, 'payout-b')).session;
    expect([onBoth.metadata, payoutOf(onBoth).metadata]).toEqual(['payout-b', 'payout-b']);
  });

  it('sends authentic webhooks with odd bodies', async () => {
    await h.start();
    const asString = await awaitingConfirm({ webhookQuirk: 'amount_as_string' }, 'payout-a');
    expect(at(payoutOf(asString.ready.body.session as Json), 'amount_details.amount')).toBe('10000');
    expect(at(payoutOf(asString.session), 'amount_details.amount')).toBe(10_000);

    const noStatus = await awaitingConfirm({ webhookQuirk: 'session_without_status' }, 'payout-b');
    expect(noStatus.ready.body.session).not.toHaveProperty('status');
    expect(noStatus.session.status).toBe('in_progress');

    await awaitingConfirm({ webhookQuirk: 'unknown_type_without_session' }, 'payout-c');
    const unknown = await waitFor(
      () => h.received.find((w) => w.type === 'something_new'),
      'unknown webhook',
    );
    expect(unknown.body).not.toHaveProperty('session');
    expect(unknown.body).toHaveProperty('data');
    expect(h.received.every((w) => w.signatureValid)).toBe(true);
  });

  it('takes a variant over the control API and refuses an unknown value', async () => {
    await h.start();
    const post = (body: unknown) =>
      fetch(`${h.sim.url}/_sim/wire`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ workflowId: 'payout-wire', variant: { version: 'v2' } })).status).toBe(200);
    expect((await post({ workflowId: 'payout-wire', variant: { version: 'v3' } })).status).toBe(400);
    expect((await post({ workflowId: 'payout-wire', variant: { colour: 'red' } })).status).toBe(400);
    const { init } = await h.initPayout(10_000, 'payout-wire');
    expect(init.body.session).toHaveProperty('payout_list');
  });

  it('draws every value of every dimension, reproducibly per payout', () => {
    const random = seededRandom(42);
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const v = randomVariant(random);
      for (const d of WIRE_DIMENSION_NAMES) seen.add(`${d}=${String(v[d])}`);
    }
    const all = WIRE_DIMENSION_NAMES.flatMap((d) =>
      (WIRE_DIMENSIONS[d] as readonly unknown[]).map((value) => `${d}=${String(value)}`),
    );
    expect([...seen].sort()).toEqual(all.sort());
    expect(drawnVariant(7, 'payout-x')).toEqual(drawnVariant(7, 'payout-x'));
  });

  it('reads the wire mode from SIMULATOR_WIRE', () => {
    const keys = generateKeyPairPem();
    const env = {
      SIMULATOR_PARTNER_PUBLIC_KEY: keys.publicKeyPem,
      SIMULATOR_BANK_PRIVATE_KEY: keys.privateKeyPem,
    };
    expect(loadSimulatorConfig(env).wire).toBe('default');
    expect(loadSimulatorConfig({ ...env, SIMULATOR_WIRE: 'random' }).wire).toBe('random');
    expect(() => loadSimulatorConfig({ ...env, SIMULATOR_WIRE: 'chaos' })).toThrow(/SIMULATOR_WIRE/);
  });

  it('in random mode gives each payout its own variant and records it in the ledger', async () => {
    await h.start({ wire: 'random', seed: 7 });
    const ids = Array.from({ length: 12 }, (_, i) => `payout-r${i}`);
    for (const id of ids) await h.initPayout(10_000, id);
    for (const id of ids) expect(h.sim.ledger.variantOf(id)).toEqual(drawnVariant(7, id));
    const counts = h.sim.ledger.variantCounts();
    expect((counts['version=v1'] ?? 0) + (counts['version=v2'] ?? 0)).toBe(ids.length);
    expect(new Set(ids.map((id) => JSON.stringify(h.sim.ledger.variantOf(id)))).size).toBeGreaterThan(1);
  });
});

describe('answer faults', () => {
  const confirmOnce = (sessionId: string, key = 'k-confirm') =>
    h.call('session/confirm', { session_id: sessionId }, { key });

  it('answers a WAF page, an empty 400, a 409 without status, and an unknown business code, unprocessed', async () => {
    await h.start();
    const { sessionId } = await awaitingConfirm({});
    const kinds = ['http_403_html', 'http_4xx_empty', 'http_409_no_status', 'unknown_business_code'] as const;
    for (const kind of kinds) h.sim.injectFault({ endpoint: 'session/confirm', kind, times: 1 });
    const [waf, empty, conflict, unknown] = [
      await confirmOnce(sessionId),
      await confirmOnce(sessionId),
      await confirmOnce(sessionId),
      await confirmOnce(sessionId),
    ];
    expect(waf.status).toBe(403);
    expect(waf.contentType).toContain('text/html');
    expect(waf.text).toContain('403 Forbidden');
    expect(empty).toMatchObject({ status: 400, text: '' });
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.text)).not.toHaveProperty('status');
    expect(JSON.parse(conflict.text)).not.toHaveProperty('error');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text)).toMatchObject({
      status: 'error',
      error: { code: 'session_already_confirmed' },
    });
    expect(h.sim.ledger.confirmsProcessed('payout-wire')).toBe(0);
    // none of them consumed the key: the same confirm now goes through
    expect((await confirmOnce(sessionId)).status).toBe(200);
    expect(h.sim.ledger.confirmsProcessed('payout-wire')).toBe(1);
  });

  it('renders unknown_business_code in the payout error style', async () => {
    await h.start();
    const { sessionId } = await awaitingConfirm({ errorStyle: 'without_status' });
    h.sim.injectFault({ endpoint: 'session/confirm', kind: 'unknown_business_code', times: 1 });
    expect(JSON.parse((await confirmOnce(sessionId)).text)).toEqual({
      error: { code: 'session_already_confirmed', description: 'Session already confirmed' },
    });
  });

  it.each(['http_403_html', 'http_4xx_empty', 'http_409_no_status', 'unknown_business_code'] as const)(
    'after processing, %s hides a confirm that moved the money',
    async (kind) => {
      await h.start();
      const { sessionId } = await awaitingConfirm({});
      h.sim.injectFault({ endpoint: 'session/confirm', kind, times: 1, afterProcessing: true });
      expect((await confirmOnce(sessionId)).status).toBeGreaterThanOrEqual(400);
      expect(h.sim.ledger.confirmsProcessed('payout-wire')).toBe(1);
      await h.webhook('payment_finished', sessionId);
      expect(h.sim.ledger.moneyMoved('payout-wire')).toBe('yes');
      expect((await confirmOnce(sessionId)).body.error?.code).toBe('idempotency_key_already_exists');
    },
  );

  it('loses the answer to a processed confirm, then answers the retry with fault X', async () => {
    await h.start();
    const { sessionId } = await awaitingConfirm({});
    h.sim.injectFault({ endpoint: 'session/confirm', kind: 'lost_response', times: 1 });
    h.sim.injectFault({ endpoint: 'session/confirm', kind: 'unknown_business_code', times: 1 });
    await expect(confirmOnce(sessionId, 'k1')).rejects.toThrow();
    const retry = await confirmOnce(sessionId, 'k2');
    expect(retry.body.error?.code).toBe('session_already_confirmed');
    expect(h.sim.ledger.confirmsProcessed('payout-wire')).toBe(1);
    await h.webhook('payment_finished', sessionId);
    expect(h.sim.ledger.moneyMoved('payout-wire')).toBe('yes');
  });
});

describe('returns', () => {
  it('refunds a succeeded payout and sends a signed payment_refunded', async () => {
    await h.start();
    const { sessionId } = await succeeded({});
    h.sim.refund(sessionId, { amount: 4_000 });
    const refunded = await h.webhook('payment_refunded', sessionId);
    expect(refunded.signatureValid).toBe(true);
    const session = refunded.body.session as Json;
    expect(session.status).toBe('accepted');
    expect(payoutOf(session).status).toBe('succeeded');
    expect(payoutOf(session).refunds).toEqual([
      {
        id: expect.stringMatching(/^rf_\d+$/) as string,
        status: 'accepted',
        created_at: expect.any(String) as string,
        finished_at: expect.any(String) as string,
        amount_details: { amount: 4_000, currency: 'rub' },
      },
    ]);
    const status = await h.call('session/status', { session_id: sessionId });
    expect(payoutOf((status.body as Json).session as Json).refunds).toHaveLength(1);
    expect(h.sim.ledger.refunds('payout-wire')).toMatchObject([{ sessionId, amount: 4_000 }]);
    expect(() => h.sim.refund(sessionId, { amount: 6_001 })).toThrow(/invalid_request/);
    expect(h.sim.ledger.moneyMoved('payout-wire')).toBe('yes');
  });

  it('refuses to refund a payout that has not succeeded', async () => {
    await h.start();
    const { sessionId } = await awaitingConfirm({});
    expect(() => h.sim.refund(sessionId)).toThrow(/session_wrong_state/);
    expect(() => h.sim.refund('ps_0')).toThrow(/invalid_request/);
  });

  it('refunds later over the control API, and on its own with the refundAfterMs scenario', async () => {
    await h.start();
    const { sessionId } = await succeeded({}, 'payout-a');
    const res = await fetch(`${h.sim.url}/_sim/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId, afterMs: 20 }),
    });
    expect(res.status).toBe(200);
    await h.webhook('payment_refunded', sessionId);
    expect(h.sim.ledger.refunds('payout-a')).toMatchObject([{ amount: 10_000 }]);

    h.sim.setScenario('payout-b', { refundAfterMs: 20 });
    const second = await succeeded({}, 'payout-b');
    await h.webhook('payment_refunded', second.sessionId);
    expect(h.sim.ledger.refunds('payout-b')).toHaveLength(1);
  });
});

describe('ledger verdicts', () => {
  it('says whether money moved, from the bank side alone', async () => {
    await h.start();
    const confirm = async (workflowId: string) => {
      const { sessionId } = await awaitingConfirm({}, workflowId);
      await h.call('session/confirm', { session_id: sessionId }, { key: `${workflowId}:confirm` });
      return sessionId;
    };
    await succeeded({}, 'payout-paid');
    h.sim.setScenario('payout-failed', 'payout_fails');
    await h.webhook('payment_finished', await confirm('payout-failed'));
    h.sim.setScenario('payout-error', 'session_error_after_confirm');
    await confirm('payout-error');
    h.sim.setScenario('payout-rejected', 'init_rejected');
    await h.initPayout(10_000, 'payout-rejected');
    await awaitingConfirm({}, 'payout-waiting');

    await waitFor(
      () => (h.sim.ledger.moneyMoved('payout-error') === 'ambiguous' ? true : undefined),
      'session error',
    );
    const ledger = h.sim.ledger;
    expect(
      Object.fromEntries(
        ['paid', 'failed', 'error', 'rejected', 'waiting'].map((id) => [
          id,
          ledger.moneyMoved(payoutWorkflowId(id)),
        ]),
      ),
    ).toEqual({ paid: 'yes', failed: 'no', error: 'ambiguous', rejected: 'no', waiting: 'pending' });
    expect(ledger.sessionsCreated('payout-paid')).toBe(1);
    expect(ledger.sessionsCreated('payout-rejected')).toBe(0);
    expect(ledger.confirmsProcessed('payout-paid')).toBe(1);
    expect(ledger.summaryFor('payout-failed')).toMatchObject({ finalPayoutStatus: 'failed' });
  });

  it('records every webhook delivery with the answer, and which ones were acknowledged', async () => {
    await h.start();
    h.answers.push(500, 204);
    const { sessionId } = await h.initPayout();
    await waitFor(
      () => (h.sim.ledger.acknowledgedWebhooks('payout-w1').length > 0 ? true : undefined),
      'acknowledged',
    );
    const deliveries = h.sim.ledger.webhookDeliveries('payout-w1');
    expect(deliveries.map((d) => d.httpStatus)).toEqual([500, 204]);
    const [acked] = h.sim.ledger.acknowledgedWebhooks('payout-w1');
    expect(acked).toMatchObject({ type: 'ready_to_confirm', sessionId, attempt: 2 });
    expect(acked!.body).toMatchObject({ type: 'ready_to_confirm', session: { id: sessionId } });
  });
});
