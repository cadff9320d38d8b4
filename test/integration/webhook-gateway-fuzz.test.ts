/**
 * Property test: whatever arrives at the webhook endpoint, the gateway never crashes, never answers a 5xx
 * other than 503, and nothing without a valid Bank 131 signature ever reaches a workflow.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { createLogger } from '../../observability/logger';
import { startGateway, type RunningGateway } from '../../webhook-gateway/server';
import { recordedQuery, type Recorded } from '../fixtures/gateway-workflows';
import { readyWebhook, signRaw } from '../helpers/webhooks';

const bankKey = generateKeyPairPem();
const taskQueue = `fuzz-${randomUUID()}`;
const ALLOWED = new Set([200, 400, 401, 413, 503]);

let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let gateway: RunningGateway;
let url: string;
let target: string;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: inject('temporalAddress') }),
    taskQueue,
    workflowsPath: path.resolve(__dirname, '../fixtures/gateway-workflows.ts'),
  });
  running = worker.run();
  gateway = await startGateway({
    client,
    taskQueue,
    logger: createLogger('fuzz', 'silent'),
    config: {
      temporal: {
        address: inject('temporalAddress'),
        namespace: 'default',
        taskQueue,
        tls: false,
        codecKeys: '',
      },
      host: '127.0.0.1',
      port: 0,
      bodyLimitBytes: 16 * 1024,
      bankPublicKeysPem: [bankKey.publicKeyPem],
      shutdownGraceMs: 1_000,
      logLevel: 'silent',
    },
  });
  url = `${gateway.url}/webhooks/bank131`;
  target = `payout-fuzz-${randomUUID()}`;
  await client.workflow.start('payoutWorkflow', { taskQueue, workflowId: target });
});

afterAll(async () => {
  await gateway?.close();
  worker?.shutdown();
  await running;
  await connection?.close();
});

async function send(body: Uint8Array | string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return res.status;
}

const headerValue = fc.string({ maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s));

describe('webhook endpoint under random input', () => {
  it('random bytes and random headers: never a 5xx other than 503, never a signal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.option(headerValue),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/octet-stream',
          'application/x-www-form-urlencoded',
        ),
        async (body, signature, contentType) => {
          const headers: Record<string, string> = { 'content-type': contentType };
          if (signature !== null) headers['x-partner-sign'] = signature;
          expect(ALLOWED).toContain(await send(body, headers));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('well-formed webhooks aimed at a live payout with forged signatures: always 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.base64String({ minLength: 4, maxLength: 400 }),
        fc.string({ maxLength: 20 }),
        async (sig, sid) => {
          const body = JSON.stringify(readyWebhook(`ps_${sid.replace(/[^\w-]/g, '') || 'x'}`, target));
          expect(await send(body, { 'content-type': 'application/json', 'x-partner-sign': sig })).toBe(401);
        },
      ),
      { numRuns: 150 },
    );
    const recorded = await client.workflow.getHandle(target).query<Recorded>(recordedQuery);
    expect(recorded.deliveries).toBe(0);
  });

  it('validly signed random JSON: parsed safely, 200 or 400, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 4 }), async (json) => {
        const status = await send(json, {
          'content-type': 'application/json',
          'x-partner-sign': signRaw(json, bankKey.privateKeyPem),
        });
        expect([200, 400, 413]).toContain(status);
      }),
      { numRuns: 150 },
    );
    // random JSON is never a webhook naming our live payout
    expect((await client.workflow.getHandle(target).query<Recorded>(recordedQuery)).deliveries).toBe(0);
  });
});
