/**
 * Property test: whatever arrives at the webhook endpoint, the gateway never crashes, never answers a 5xx
 * other than 503, nothing without a valid Bank 131 signature ever reaches a workflow, and every validly
 * signed webhook is handed to Temporal.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import type { WebhookEvent } from '../../observability/metrics';
import { createLogger } from '../../observability/logger';
import { startGateway, type RunningGateway } from '../../webhook-gateway/server';
import { WEBHOOK_INBOX_WORKFLOW_TYPE } from '../../workflows/messages';
import { recordedQuery, type Recorded } from '../fixtures/gateway-workflows';
import { startGatewayFixture, type GatewayFixture } from '../helpers/gateway-fixture';
import { readyWebhook, signRaw } from '../helpers/webhooks';
import { payoutWorkflowId } from '../../policy/payout-request';

const bankKey = generateKeyPairPem();
const strangerKey = generateKeyPairPem();
const NUM_RUNS = 150;
const BODY_LIMIT = 64 * 1024;

let fixture: GatewayFixture;
let client: Client;
let gateway: RunningGateway;
let url: string;
/** Each test's own live payout, and when the test began: what it checks is its own doing, in any order. */
let target: string;
let testStartedAt: string;
const events: WebhookEvent[] = [];

beforeAll(async () => {
  fixture = await startGatewayFixture({ bankPublicKeysPem: [bankKey.publicKeyPem] });
  client = fixture.client;
  // A gateway of our own, to see every request's outcome through the metrics hook.
  gateway = await startGateway({
    client,
    config: fixture.config({ bodyLimitBytes: BODY_LIMIT }),
    logger: createLogger('gateway-fuzz', 'silent'),
    taskQueue: fixture.taskQueue,
    onWebhook: (e) => events.push(e),
  });
  url = `${gateway.url}/webhooks/bank131`;
});

beforeEach(async () => {
  testStartedAt = new Date().toISOString();
  target = `payout-fuzz-${randomUUID()}`;
  await client.workflow.start('payoutWorkflow', { taskQueue: fixture.taskQueue, workflowId: target });
});

afterAll(async () => {
  await gateway?.close();
  await fixture?.stop();
});

async function send(body: Uint8Array | string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return res.status;
}

const deliveriesToTarget = async () =>
  (await client.workflow.getHandle(target).query<Recorded>(recordedQuery)).deliveries;
/** Inbox workflows this test started (an unknown session's first webhook starts its inbox). */
const inboxCount = async () =>
  Number(
    (
      await client.workflow.count(
        `WorkflowType = "${WEBHOOK_INBOX_WORKFLOW_TYPE}" AND TaskQueue = "${fixture.taskQueue}" AND StartTime >= "${testStartedAt}"`,
      )
    ).count,
  );

/** Nothing got past the signature check since `from`: no 200, no signal, no inbox entry. */
async function expectNothingLetIn(from: number): Promise<void> {
  const since = events.slice(from);
  expect(since.length).toBeGreaterThan(0);
  expect(since.filter((e) => e.status === 200)).toEqual([]);
  expect(await deliveriesToTarget()).toBe(0);
  expect(await inboxCount()).toBe(0);
}

const headerValue = fc.string({ maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
/** Strings the bank would never send: control characters, quotes, lone surrogates, very long. */
const oddString = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\u0000', '\ud800', ' ', 'a', '_'), minLength: 1 }),
  fc.string({ unit: 'binary-ascii', minLength: 1_000, maxLength: 3_000 }),
);
const webhookType = fc.oneof(
  fc.constantFrom('ready_to_confirm', 'payment_finished', 'payment_refunded', 'action_required'),
  fc.constantFrom('__proto__', 'constructor', 'toString'),
  oddString,
);
const metadata = (liveTarget: string) =>
  fc.oneof(
    fc.constant(undefined),
    fc.constant(liveTarget), // a live payout: must be signalled, never refused
    oddString.map((s) => payoutWorkflowId(s)),
    fc.jsonValue({ maxDepth: 2 }),
  );

describe('webhook endpoint under random input', () => {
  it('random bytes and random headers: never a 5xx other than 503, never a signal', async () => {
    const from = events.length;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 80_000 }),
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
          expect([400, 401, 413, 503]).toContain(await send(body, headers));
        },
      ),
      { numRuns: NUM_RUNS },
    );
    await expectNothingLetIn(from);
  });

  it('well-formed webhooks aimed at a live payout with forged signatures: always 401', async () => {
    const from = events.length;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.base64String({ minLength: 4, maxLength: 400 }),
          fc.constant(null), // signed by a key the gateway does not trust
        ),
        fc.string({ maxLength: 20 }),
        async (forged, sid) => {
          const body = JSON.stringify(readyWebhook(`ps_${sid.replace(/[^\w-]/g, '') || 'x'}`, target));
          const sig = forged ?? signRaw(body, strangerKey.privateKeyPem);
          expect(await send(body, { 'content-type': 'application/json', 'x-partner-sign': sig })).toBe(401);
        },
      ),
      { numRuns: NUM_RUNS },
    );
    await expectNothingLetIn(from);
  });

  it('validly signed random JSON: authentic, so kept (200) even when unreadable, never a 5xx', async () => {
    const from = events.length;
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 4 }), async (json) => {
        const status = await send(json, {
          'content-type': 'application/json',
          'x-partner-sign': signRaw(json, bankKey.privateKeyPem),
        });
        expect([200, 413]).toContain(status);
      }),
      { numRuns: NUM_RUNS },
    );
    // random JSON is never a webhook naming our live payout
    expect(events.slice(from).every((e) => e.status !== 200 || e.outcome !== 'signalled')).toBe(true);
    expect(await deliveriesToTarget()).toBe(0);
  });

  it('validly signed webhooks with arbitrary IDs, types and metadata: always 200 and handed to Temporal', async () => {
    const from = events.length;
    await fc.assert(
      fc.asyncProperty(
        webhookType,
        oddString,
        oddString,
        metadata(target),
        fc.option(fc.jsonValue({ maxDepth: 2 })),
        async (type, sessionId, status, meta, extra) => {
          const body = JSON.stringify({
            ...readyWebhook(sessionId, undefined, extra === null ? {} : { unknown_field: extra }),
            type,
            session: {
              ...readyWebhook(sessionId).session,
              status,
              payments: [{ ...readyWebhook(sessionId).session.payments[0], metadata: meta }],
            },
          });
          const res = await send(body, {
            'content-type': 'application/json',
            'x-partner-sign': signRaw(body, bankKey.privateKeyPem),
          });
          expect(res).toBe(200);
        },
      ),
      { numRuns: NUM_RUNS },
    );
    const outcomes = new Set(events.slice(from).map((e) => e.outcome));
    for (const outcome of outcomes) {
      expect([
        'signalled',
        'inbox_unknown_session',
        'inbox_unsupported_type',
        'inbox_workflow_not_running',
        // a refund naming a `payout-…` workflow that is not running
        'returns',
      ]).toContain(outcome);
    }
    expect(await inboxCount()).toBeGreaterThan(0);
  });
});
