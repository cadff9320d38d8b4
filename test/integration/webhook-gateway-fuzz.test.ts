/**
 * Property test: whatever arrives at the webhook endpoint, the gateway never crashes, never answers a 5xx
 * other than 503, and nothing without a valid Bank 131 signature ever reaches a workflow.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { recordedQuery, type Recorded } from '../fixtures/gateway-workflows';
import { startGatewayFixture, type GatewayFixture } from '../helpers/gateway-fixture';
import { readyWebhook, signRaw } from '../helpers/webhooks';

const bankKey = generateKeyPairPem();
const ALLOWED = new Set([200, 400, 401, 413, 503]);

let fixture: GatewayFixture;
let client: Client;
let url: string;
let target: string;

beforeAll(async () => {
  fixture = await startGatewayFixture({
    bankPublicKeysPem: [bankKey.publicKeyPem],
    bodyLimitBytes: 16 * 1024,
  });
  ({ client, webhookUrl: url } = fixture);
  target = `payout-fuzz-${randomUUID()}`;
  await client.workflow.start('payoutWorkflow', { taskQueue: fixture.taskQueue, workflowId: target });
});

afterAll(() => fixture?.stop());

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
