/**
 * The Bank 131 simulator speaks the protocol: signed requests only, idempotency keys, the session life
 * cycle, the confirm deadline, and signed webhooks redelivered until acknowledged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  generateKeyPairPem,
  loadPrivateKey,
  loadPublicKey,
  signBody,
  verifyBody,
} from '../../bank131/signature';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../simulator/server';
import { waitFor } from '../helpers/stack';

const partner = generateKeyPairPem();
const bank = generateKeyPairPem();
const received: { type: string; session: { id: string; status: string }; signatureValid: boolean }[] = [];
let answers: number[] = [];

async function receiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const parsed = JSON.parse(body.toString()) as { type: string; session: { id: string; status: string } };
      received.push({
        ...parsed,
        signatureValid: verifyBody(body, req.headers['x-partner-sign'] as string, [
          loadPublicKey(bank.publicKeyPem),
        ]),
      });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

interface SimAnswer {
  token?: string;
  error?: { code: string };
  session?: {
    id: string;
    status: string;
    next_action?: string;
    payments: { id: string; payment_method: { bank_account: { ru: { account: string } } } }[];
  };
}

let sim: SimulatorHandle | undefined;
let hook: Server | undefined;
afterEach(async () => {
  await sim?.close();
  hook?.closeAllConnections();
  await new Promise((r) => hook?.close(r));
  received.length = 0;
  answers = [];
});

async function start(overrides: Partial<SimulatorOptions> = {}) {
  const r = await receiver();
  hook = r.server;
  sim = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    projectId: 'p1',
    partnerPublicKeyPem: partner.publicKeyPem,
    bankPrivateKeyPem: bank.privateKeyPem,
    webhookUrl: r.url,
    processingDelayMs: 10,
    confirmDeadlineMs: 60_000,
    webhookRetryInitialMs: 10,
    webhookRetryMaxMs: 50,
    webhookRetryGiveUpMs: 5_000,
    logLevel: 'silent',
    scenariosByAmount: true,
    ...overrides,
  });
  return sim;
}

async function call(
  endpoint: string,
  body: unknown,
  opts: { key?: string; sign?: boolean; project?: string } = {},
) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-partner-project': opts.project ?? 'p1',
  };
  if (opts.sign !== false)
    headers['x-partner-sign'] = signBody(Buffer.from(raw), loadPrivateKey(partner.privateKeyPem));
  if (opts.key) headers['x-partner-idempotency-key'] = opts.key;
  const res = await fetch(`${sim!.url}/api/v1/${endpoint}`, { method: 'POST', headers, body: raw });
  return { status: res.status, body: (await res.json()) as SimAnswer };
}

async function initPayout(amount = 10_000, workflowId = 'payout-w1') {
  const t = await call('tokenize', {
    type: 'bank_account_ru',
    bank_account_ru: { bik: '049205131', account: '40817810099910004312' },
  });
  const init = await call(
    'session/init/payout',
    {
      payment_method: {
        type: 'bank_account',
        bank_account: {
          system_type: 'ru',
          ru: { token: t.body.token!, full_name: 'Иванов', description: 'x' },
        },
      },
      amount_details: { amount, currency: 'rub' },
      metadata: workflowId,
    },
    { key: `${workflowId}:init` },
  );
  return { token: t.body.token!, sessionId: init.body.session?.id ?? '', init };
}

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
      sim!.ledger.entries.filter((e) => e.kind === 'request' && e.outcome === 'unauthenticated'),
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
    expect(sim!.ledger.summary()['payout-w1']).toMatchObject({
      initsProcessed: 1,
      confirmsProcessed: 1,
      finalPayoutStatus: 'succeeded',
    });
  });

  it('answers idempotency_key_already_exists for a key it processed, and session_wrong_state out of turn', async () => {
    await start();
    const { sessionId } = await initPayout();
    expect((await call('session/confirm', { session_id: sessionId }, { key: 'k1' })).body.error?.code).toBe(
      'session_wrong_state',
    );
    await waitFor(() => (received.length > 0 ? true : undefined), 'ready');
    expect((await call('session/confirm', { session_id: sessionId }, { key: 'k2' })).status).toBe(200);
    const again = await call('session/confirm', { session_id: sessionId }, { key: 'k2' });
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'idempotency_key_already_exists' } } });
    expect(sim!.ledger.confirmsProcessed('payout-w1')).toBe(1);
  });

  it('cancels on its own when nobody confirms before the deadline', async () => {
    await start({ confirmDeadlineMs: 50 });
    await initPayout();
    await waitFor(
      () => (received.some((w) => w.type === 'payment_finished') ? true : undefined),
      'auto-cancel',
    );
    expect(received.at(-1)!.session.status).toBe('cancelled');
    expect(sim!.ledger.summary()['payout-w1']?.finalSessionStatus).toBe('cancelled');
  });

  it('redelivers a webhook until the receiver answers 200', async () => {
    await start();
    answers = [500, 503];
    await initPayout();
    await waitFor(() => (received.length >= 3 ? true : undefined), 'three attempts');
    const attempts = sim!.ledger.entries.filter((e) => e.kind === 'webhook' && e.type === 'ready_to_confirm');
    expect(attempts.map((e) => (e.kind === 'webhook' ? e.httpStatus : 0))).toEqual([500, 503, 200]);
  });

  it('picks scenarios by amount and fault rules by endpoint, and the control API works', async () => {
    await start();
    const rejected = await initPayout(10_010, 'payout-w2'); // kopecks 10 → init_rejected
    expect(rejected.init.body.error?.code).toBe('insufficient_wallet_balance');
    const put = await fetch(`${sim!.url}/_sim/faults`, {
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
    const bad = await fetch(`${sim!.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'x', kind: 'meteor' }),
    });
    expect(bad.status).toBe(400);
    const ledger = (await (await fetch(`${sim!.url}/_sim/ledger`)).json()) as {
      entries: { outcome?: string }[];
    };
    expect(ledger.entries.map((e) => e.outcome)).toEqual(
      expect.arrayContaining(['rejected:insufficient_wallet_balance', 'fault:http_503']),
    );
  });
});
