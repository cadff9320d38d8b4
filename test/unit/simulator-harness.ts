/** One simulator per test, a webhook receiver that checks signatures, and signed calls to the simulated API. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import {
  generateKeyPairPem,
  loadPrivateKey,
  loadPublicKey,
  signBody,
  verifyBody,
} from '../../bank131/signature';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../simulator/server';
import { waitFor } from '../helpers/stack';

export interface ReceivedWebhook {
  type: string;
  session: { id: string; status: string };
  /** The whole parsed body, for shapes the fields above do not cover. */
  body: Record<string, unknown>;
  signatureValid: boolean;
}

export interface SimAnswer {
  token?: string;
  status?: string;
  error?: { code: string };
  session?: {
    id: string;
    status: string;
    next_action?: string;
    payments: { id: string; payment_method: { bank_account: { ru: { account: string } } } }[];
  };
}

export function simulatorHarness() {
  const partner = generateKeyPairPem();
  const bank = generateKeyPairPem();
  const received: ReceivedWebhook[] = [];
  /** HTTP statuses the receiver answers with, in order; 200 once empty. */
  const answers: number[] = [];
  let sim: SimulatorHandle | undefined;
  let hook: Server | undefined;

  afterEach(async () => {
    await sim?.close();
    if (hook) {
      hook.closeAllConnections();
      await new Promise((r) => hook!.close(r));
    }
    sim = undefined;
    hook = undefined;
    received.length = 0;
    answers.length = 0;
  });

  async function receiver(): Promise<string> {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString()) as Record<string, unknown>;
        received.push({
          ...(body as Pick<ReceivedWebhook, 'type' | 'session'>),
          body,
          signatureValid: verifyBody(raw, req.headers['x-partner-sign'] as string, [
            loadPublicKey(bank.publicKeyPem),
          ]),
        });
        res.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => hook!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  }

  async function start(overrides: Partial<SimulatorOptions> = {}): Promise<SimulatorHandle> {
    const webhookUrl = await receiver();
    sim = await startSimulator({
      host: '127.0.0.1',
      port: 0,
      projectId: 'p1',
      partnerPublicKeyPem: partner.publicKeyPem,
      bankPrivateKeyPem: bank.privateKeyPem,
      webhookUrl,
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
  ): Promise<{ status: number; text: string; contentType: string; body: SimAnswer }> {
    const raw = JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-partner-project': opts.project ?? 'p1',
    };
    if (opts.sign !== false)
      headers['x-partner-sign'] = signBody(Buffer.from(raw), loadPrivateKey(partner.privateKeyPem));
    if (opts.key) headers['x-partner-idempotency-key'] = opts.key;
    const res = await fetch(`${sim!.url}/api/v1/${endpoint}`, { method: 'POST', headers, body: raw });
    const text = await res.text();
    let parsed: SimAnswer = {};
    try {
      parsed = JSON.parse(text) as SimAnswer;
    } catch {
      // HTML pages and empty bodies are answers too; the test looks at `text`.
    }
    return { status: res.status, text, contentType: res.headers.get('content-type') ?? '', body: parsed };
  }

  async function initPayout(amount = 10_000, workflowId = 'payout-w1') {
    const t = await call(
      'tokenize',
      { type: 'bank_account_ru', bank_account_ru: { bik: '049205131', account: '40817810099910004312' } },
      { key: `${workflowId}:tokenize` },
    );
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
    return { token: t.body.token!, tokenized: t, sessionId: init.body.session?.id ?? '', init };
  }

  const webhook = (type: string, sessionId?: string) =>
    waitFor(
      () => received.find((w) => w.type === type && (sessionId === undefined || w.session?.id === sessionId)),
      type,
    );

  return {
    received,
    answers,
    start,
    call,
    initPayout,
    webhook,
    get sim(): SimulatorHandle {
      if (!sim) throw new Error('start() the simulator first');
      return sim;
    },
  };
}
