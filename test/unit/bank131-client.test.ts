/**
 * The Bank 131 client against a real loopback HTTP server that checks our signature on the exact bytes and
 * answers the way the bank (or the network) can: every failure must land in the right class.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bank131Client } from '../../bank131/client';
import {
  Bank131BusinessError,
  Bank131TransportError,
  Bank131UnrecognisedAnswerError,
} from '../../bank131/errors';
import { generateKeyPairPem, loadPublicKey, verifyBody } from '../../bank131/signature';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
const keys = generateKeyPairPem();
const partnerKey = loadPublicKey(keys.publicKeyPem);
let handler: Handler = () => undefined;
const seen: { path: string; headers: IncomingMessage['headers']; body: Buffer; signatureValid: boolean }[] =
  [];
let server: Server;
let client: Bank131Client;
const calls: { endpoint: string; outcome: string }[] = [];

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const session = { id: 'ps_1', status: 'in_progress', payments: [{ id: 'po_1', status: 'in_progress' }] };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        signatureValid: verifyBody(body, req.headers['x-partner-sign'] as string, [partnerKey]),
      });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new Bank131Client(
    {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      projectId: 'proj-1',
      privateKeyPem: keys.privateKeyPem,
      connectTimeoutMs: 1_000,
      requestTimeoutMs: 300,
      maxConnections: 4,
    },
    { onCall: (e) => calls.push(e) },
  );
});
afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('Bank131Client', () => {
  it('signs the exact bytes it sends and sends the partner headers', async () => {
    handler = (_req, _body, res) => json(res, 200, { status: 'ok', session });
    const result = await client.initPayout(
      {
        payment_method: {
          type: 'bank_account',
          bank_account: {
            system_type: 'ru',
            ru: { token: 't', full_name: 'Иванов Иван', description: 'Выплата' },
          },
        },
        amount_details: { amount: 100, currency: 'rub' },
        metadata: 'payout-1',
      },
      'payout-1:init',
    );
    expect(result.id).toBe('ps_1');
    const req = seen.at(-1)!;
    expect(req.path).toBe('/api/v1/session/init/payout');
    expect(req.signatureValid).toBe(true);
    expect(req.headers['x-partner-project']).toBe('proj-1');
    expect(req.headers['x-partner-idempotency-key']).toBe('payout-1:init');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body.toString('utf8')).toContain('Иванов Иван'); // raw UTF-8, as the SDK sends
    expect(calls.at(-1)).toMatchObject({ endpoint: 'session/init/payout', outcome: 'ok' });
  });

  it('reads tokenize, token/info and the v2 session shape', async () => {
    handler = (req, _b, res) => {
      if (req.url?.endsWith('/tokenize'))
        return json(res, 200, { status: 'ok', token: 'abc', data: { masked_account: '40817***4312' } });
      if (req.url?.endsWith('/token/info'))
        return json(res, 200, {
          status: 'ok',
          info: { bank_account_ru: { masked_account: '40817***4312' } },
        });
      return json(res, 200, {
        status: 'ok',
        session: {
          id: 'ps_2',
          status: 'accepted',
          payout_list: [{ id: 'po_2', status: 'succeeded' }],
          new_field: 1,
        },
      });
    };
    expect(await client.tokenize({ bik: '049205131', account: '40817810099910004312' }, 'k')).toEqual({
      token: 'abc',
      maskedAccount: '40817***4312',
    });
    expect(await client.tokenInfo('abc')).toEqual({ maskedAccount: '40817***4312' });
    expect((await client.status('ps_2')).payout_list).toHaveLength(1);
    expect(seen.at(-1)!.headers['x-partner-idempotency-key']).toBeUndefined();
  });

  it.each([
    [
      400,
      { status: 'error', error: { code: 'session_wrong_state', description: 'wrong state' } },
      'session_wrong_state',
    ],
    [200, { status: 'error', error: { code: 'insufficient_wallet_balance' } }, 'insufficient_wallet_balance'],
    [422, { status: 'error', error: { code: 'invalid_request' } }, 'invalid_request'],
    // The SDK reads error.code on any HTTP >= 400; its own fixtures carry no `status`.
    [
      400,
      { error: { code: 'idempotency_key_already_exists', description: 'already processed' } },
      'idempotency_key_already_exists',
    ],
    [409, { error: { code: 'session_wrong_state' } }, 'session_wrong_state'],
  ])('a %i answer %j is the bank saying no (%s)', async (status, body, code) => {
    handler = (_req, _b, res) =>
      typeof body === 'string' ? (res.writeHead(status), res.end(body)) : json(res, status, body);
    const err = await failure(client.confirm('ps_1', 'k'));
    expect(err).toBeInstanceOf(Bank131BusinessError);
    expect(err).toMatchObject({ code, httpStatus: status, endpoint: 'session/confirm' });
    expect(calls.at(-1)?.outcome).toBe('business_error');
  });

  it('keeps reject_reasons and the description of a refusal', async () => {
    const reasons = [{ rule_alias: 'blacklist', list_alias: 'recipients', expiration_date: '2027-01-01' }];
    handler = (_req, _b, res) =>
      json(res, 400, {
        error: { code: 'operation_rejected', description: 'security', reject_reasons: reasons },
      });
    const err = await failure(client.confirm('ps_1', 'k'));
    expect(err).toMatchObject({
      code: 'operation_rejected',
      description: 'security',
      rejectReasons: reasons,
    });
  });

  it.each([
    [
      'a WAF 403 HTML page',
      403,
      'text/html',
      '<html><body><h1>403 Forbidden</h1>Request blocked</body></html>',
    ],
    ['an empty 400', 400, 'application/json', ''],
    ['a 409 without status or error', 409, 'application/json', '{"message":"conflict"}'],
    [
      'a 400 whose error has no code',
      400,
      'application/json',
      '{"status":"error","error":{"description":"x"}}',
    ],
    ['a 200 that says error without an error object', 200, 'application/json', '{"status":"error"}'],
    ['a garbage 200', 200, 'text/html', '<html>oops'],
    ['an ok body of the wrong shape', 200, 'application/json', '{"status":"ok","session":{"status":"x"}}'],
  ])('%s is an unrecognised answer, never the bank saying no', async (_name, status, type, body) => {
    handler = (_req, _b, res) => (res.writeHead(status, { 'content-type': type }), res.end(body));
    const err = await failure(client.confirm('ps_1', 'k'));
    expect(err).toBeInstanceOf(Bank131UnrecognisedAnswerError);
    expect(err).not.toBeInstanceOf(Bank131BusinessError);
    expect(err).toMatchObject({ httpStatus: status, endpoint: 'session/confirm' });
    expect((err as Error).message).not.toContain('<');
    expect(calls.at(-1)?.outcome).toBe('unrecognised_answer');
  });

  it('reads lenient bodies: numbers as strings, string booleans, unknown fields', async () => {
    handler = (_req, _b, res) =>
      json(res, 200, {
        status: 'ok',
        session: {
          id: 'ps_9',
          status: 'in_progress',
          next_action: 'confirm',
          surprise: { nested: true },
          payments: [
            {
              id: 'po_9',
              status: 'pending',
              amount_details: { amount: '150000', currency: 'rub' },
              payment_method: {
                type: 'bank_account',
                bank_account: { ru: { is_fast: 'false', account: '40817*******4312' } },
              },
            },
          ],
        },
      });
    const raw = await client.status('ps_9');
    expect(raw.id).toBe('ps_9');
    expect(raw.next_action).toBe('confirm');
  });

  it.each([
    [
      'HTTP 500 with an error body',
      (res: ServerResponse) => json(res, 500, { status: 'error', error: { code: 'internal_error' } }),
    ],
    ['HTTP 503', (res: ServerResponse) => json(res, 503, {})],
  ])('%s is a transport fault', async (_name, answer) => {
    handler = (_req, _b, res) => answer(res);
    const err = await failure(client.confirm('ps_1', 'k'));
    expect(err).toBeInstanceOf(Bank131TransportError);
    expect(calls.at(-1)?.outcome).toBe('transport_error');
  });

  it('429 is a transport fault that carries Retry-After', async () => {
    handler = (_req, _b, res) => json(res, 429, {}, { 'retry-after': '3' });
    const err = await failure(client.status('ps_1'));
    expect(err).toBeInstanceOf(Bank131TransportError);
    expect(err).toMatchObject({ httpStatus: 429, retryAfterMs: 3000 });
  });

  it('a connection reset is a transport fault', async () => {
    handler = (req) => req.socket.destroy();
    expect(await failure(client.status('ps_1'))).toBeInstanceOf(Bank131TransportError);
  });

  it('a bank that never answers times out as a transport fault', async () => {
    handler = () => undefined; // never responds; the client's 300 ms timeout must fire
    const err = await failure(client.status('ps_1'));
    expect(err).toBeInstanceOf(Bank131TransportError);
    expect((err as Error).message).toMatch(/TIMEOUT/i);
  });
});
