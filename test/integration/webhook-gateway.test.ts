/**
 * The webhook gateway over real HTTP against the real Temporal server: what gets in, what is refused, and
 * that nothing acknowledged is lost.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { createLogger } from '../../observability/logger';
import { createGatewayApp } from '../../webhook-gateway/app';
import { inboxWorkflowId, sketchUnreadable, unreadableInboxId } from '../../webhook-gateway/mapping';
import { startGateway, type RunningGateway } from '../../webhook-gateway/server';
import { inboxQuery, PAYOUT_RETURNS_WORKFLOW_TYPE, payoutReturnsWorkflowId } from '../../workflows/messages';
import { Bank131SessionIdKey } from '../../workflows/search-attributes';
import { finishSignal, recordedQuery, type Recorded } from '../fixtures/gateway-workflows';
import { startGatewayFixture, type GatewayFixture } from '../helpers/gateway-fixture';
import { waitFor } from '../helpers/stack';
import { postWebhook, readyWebhook, signed, signRaw } from '../helpers/webhooks';
import { payoutWorkflowId } from '../../policy/payout-request';

const bankKey = generateKeyPairPem();
const rotatedKey = generateKeyPairPem();
const strangerKey = generateKeyPairPem();
const logger = createLogger('gateway-test', 'silent');

let fixture: GatewayFixture;
let client: Client;
let taskQueue: string;
let gateway: RunningGateway;
let url: string;

beforeAll(async () => {
  fixture = await startGatewayFixture({ bankPublicKeysPem: [bankKey.publicKeyPem, rotatedKey.publicKeyPem] });
  ({ client, taskQueue, gateway, webhookUrl: url } = fixture);
});

afterAll(() => fixture?.stop());

async function startRecorder(sessionId?: string): Promise<string> {
  const workflowId = payoutWorkflowId(`rec-${randomUUID()}`);
  await client.workflow.start('payoutWorkflow', {
    taskQueue,
    workflowId,
    typedSearchAttributes: sessionId ? [{ key: Bank131SessionIdKey, value: sessionId }] : [],
  });
  return workflowId;
}
const recorded = (workflowId: string) => client.workflow.getHandle(workflowId).query<Recorded>(recordedQuery);
const sessionId = () => `ps_${Math.floor(Math.random() * 1e9)}`;

describe('POST /webhooks/bank131', () => {
  it('delivers a signed webhook as a signal and answers 200 after Temporal accepted it', async () => {
    const workflowId = await startRecorder();
    const sid = sessionId();
    const { raw, signature } = signed(readyWebhook(sid, workflowId), bankKey.privateKeyPem);
    const res = await postWebhook(url, raw, signature);
    expect(res.status).toBe(200);
    const r = await recorded(workflowId);
    expect(r.deliveries).toBe(1);
    expect(r.applied[0]).toMatchObject({
      type: 'ready_to_confirm',
      session: { sessionId: sid, nextAction: 'confirm' },
    });
    expect(r.applied[0]!.dedupKey).toContain(sid);
  });

  it('delivers payment_finished and payment_refunded as their own signals', async () => {
    const workflowId = await startRecorder();
    const sid = sessionId();
    for (const type of ['payment_finished', 'payment_refunded']) {
      const { raw, signature } = signed({ ...readyWebhook(sid, workflowId), type }, bankKey.privateKeyPem);
      expect((await postWebhook(url, raw, signature)).status).toBe(200);
    }
    expect((await recorded(workflowId)).applied.map((s) => s.type)).toEqual([
      'payment_finished',
      'payment_refunded',
    ]);
  });

  it('a replayed flood of one signed webhook (30 copies, in turn and at once) adds one signal', async () => {
    const workflowId = await startRecorder();
    const { raw, signature } = signed(readyWebhook(sessionId(), workflowId), bankKey.privateKeyPem);
    for (let i = 0; i < 15; i++) expect((await postWebhook(url, raw, signature)).status).toBe(200);
    const atOnce = await Promise.all(Array.from({ length: 15 }, () => postWebhook(url, raw, signature)));
    expect(atOnce.map((r) => r.status)).toEqual(Array(15).fill(200));
    const r = await recorded(workflowId);
    expect(r.deliveries).toBe(1);
    expect(r.applied).toHaveLength(1);
  });

  it('the same webhook in other bytes still reaches the payout, which applies it once', async () => {
    const workflowId = await startRecorder();
    const body = readyWebhook(sessionId(), workflowId);
    const first = signed(body, bankKey.privateKeyPem);
    const respaced = JSON.stringify(body, null, 1);
    expect((await postWebhook(url, first.raw, first.signature)).status).toBe(200);
    expect((await postWebhook(url, respaced, signRaw(respaced, bankKey.privateKeyPem))).status).toBe(200);
    const r = await recorded(workflowId);
    expect(r.deliveries).toBe(2);
    expect(r.applied).toHaveLength(1);
  });

  it('accepts a webhook signed with either configured key (rotation)', async () => {
    const workflowId = await startRecorder();
    const { raw, signature } = signed(readyWebhook(sessionId(), workflowId), rotatedKey.privateKeyPem);
    expect((await postWebhook(url, raw, signature)).status).toBe(200);
    expect((await recorded(workflowId)).deliveries).toBe(1);
  });

  it('refuses what it cannot trust, and signals nothing', async () => {
    const workflowId = await startRecorder();
    const body = readyWebhook(sessionId(), workflowId);
    const { raw, signature } = signed(body, bankKey.privateKeyPem);
    const byStranger = signed(body, strangerKey.privateKeyPem).signature;
    const tampered = raw.replace('10000', '99999');
    const oversize = JSON.stringify({ ...body, padding: 'x'.repeat(300 * 1024) });
    const results = [
      await postWebhook(url, raw, 'AAAA' + signature.slice(4)), // bad signature
      await postWebhook(url, raw, undefined), // missing
      await postWebhook(url, raw, byStranger), // another key
      await postWebhook(url, tampered, signature), // body modified after signing
      await postWebhook(url, oversize, signRaw(oversize, bankKey.privateKeyPem)),
    ];
    expect(results.map((r) => r.status)).toEqual([401, 401, 401, 401, 413]);
    const r = await recorded(workflowId);
    expect([r.deliveries, r.unreadable]).toEqual([0, 0]);
  });

  it('keeps an authentic body it cannot read: 200, in the inbox with the body and why, and the payout asks the bank', async () => {
    const workflowId = await startRecorder();
    const sid = sessionId();
    const notJson = '{"type": "ready_to_confirm", ';
    const noSessionId = JSON.stringify({
      type: 'ready_to_confirm',
      session: { status: 'in_progress', payments: [{ metadata: workflowId }] },
    });
    const newTypeWithoutSession = JSON.stringify({ type: 'something_new', data: { session_id: sid } });
    for (const body of [notJson, noSessionId, newTypeWithoutSession]) {
      const res = await postWebhook(url, body, signRaw(body, bankKey.privateKeyPem));
      expect(res.status).toBe(200);
    }
    // The one that named our payout told it to ask the bank; nothing was applied as a webhook.
    await waitFor(async () => ((await recorded(workflowId)).unreadable === 1 ? true : undefined), 'notice');
    expect((await recorded(workflowId)).deliveries).toBe(0);
    // Every body is kept verbatim, with the reason, in an inbox operators can query.
    for (const body of [notJson, noSessionId, newTypeWithoutSession]) {
      const json = body === notJson ? undefined : (JSON.parse(body) as unknown);
      const inboxId = unreadableInboxId(sketchUnreadable(Buffer.from(body), json));
      const inbox = await client.workflow.getHandle(inboxId).query(inboxQuery);
      const entry = inbox.webhooks.find((w) => w.raw === body);
      expect(entry, body).toBeDefined();
      expect(entry!.parseError).toMatch(/not valid JSON|not a webhook we can read/);
    }
  });

  it('routes by the Bank131SessionId search attribute when metadata is missing', async () => {
    const sid = sessionId();
    const workflowId = await startRecorder(sid);
    await waitFor(async () => {
      for await (const wf of client.workflow.list({ query: `Bank131SessionId = "${sid}"` }))
        return wf.workflowId;
      return undefined;
    }, 'visibility of the search attribute');
    const { raw, signature } = signed(readyWebhook(sid), bankKey.privateKeyPem);
    expect((await postWebhook(url, raw, signature)).status).toBe(200);
    expect((await recorded(workflowId)).deliveries).toBe(1);
  });

  it('records a webhook for an unknown session in the inbox, and answers 200', async () => {
    const sid = sessionId();
    const { raw, signature } = signed(readyWebhook(sid), bankKey.privateKeyPem);
    expect((await postWebhook(url, raw, signature)).status).toBe(200);
    const inbox = await client.workflow.getHandle(inboxWorkflowId(sid)).query(inboxQuery);
    expect(inbox.webhooks).toHaveLength(1);
    expect(inbox.webhooks[0]).toMatchObject({ reason: 'unknown_session', type: 'ready_to_confirm' });
  });

  it('records a webhook for a payout that already finished in the inbox, and answers 200', async () => {
    const workflowId = await startRecorder();
    await client.workflow.getHandle(workflowId).signal(finishSignal);
    await client.workflow.getHandle(workflowId).result();
    const sid = sessionId();
    const { raw, signature } = signed(
      { ...readyWebhook(sid, workflowId), type: 'payment_finished' },
      bankKey.privateKeyPem,
    );
    expect((await postWebhook(url, raw, signature)).status).toBe(200);
    const inbox = await client.workflow.getHandle(inboxWorkflowId(sid)).query(inboxQuery);
    expect(inbox.webhooks[0]).toMatchObject({
      reason: 'workflow_not_running',
      workflowId,
      type: 'payment_finished',
    });
  });

  it('hands a refund for a payout that already finished to its returns workflow, and answers 200', async () => {
    const workflowId = await startRecorder();
    await client.workflow.getHandle(workflowId).signal(finishSignal);
    await client.workflow.getHandle(workflowId).result();
    const sid = sessionId();
    const { raw, signature } = signed(
      { ...readyWebhook(sid, workflowId), type: 'payment_refunded' },
      bankKey.privateKeyPem,
    );
    expect((await postWebhook(url, raw, signature)).status).toBe(200);
    // This fixture's worker does not run the returns workflow (payout-returns.test.ts does): started is enough.
    const returns = client.workflow.getHandle(payoutReturnsWorkflowId(workflowId));
    const description = await returns.describe();
    expect(description.type).toBe(PAYOUT_RETURNS_WORKFLOW_TYPE);
    expect(description.status.name).toBe('RUNNING');
    await returns.terminate('test done');
    await expect(client.workflow.getHandle(inboxWorkflowId(sid)).describe()).rejects.toThrow();
  });

  it('keeps webhook types it does not handle in the inbox', async () => {
    const sid = sessionId();
    const { raw, signature } = signed(
      { ...readyWebhook(sid), type: 'confirmation_payout' },
      bankKey.privateKeyPem,
    );
    expect((await postWebhook(url, raw, signature)).status).toBe(200);
    const inbox = await client.workflow.getHandle(inboxWorkflowId(sid)).query(inboxQuery);
    expect(inbox.webhooks[0]).toMatchObject({ reason: 'unsupported_type', type: 'confirmation_payout' });
  });

  it('records signed webhooks with odd IDs or types in the inbox instead of failing', async () => {
    const longSid = `ps_${'9'.repeat(2_000)}`;
    const controlSid = 'ps_\u0000"\\';
    const cases = [
      { body: readyWebhook(longSid), sid: longSid, reason: 'unknown_session' },
      { body: readyWebhook(controlSid), sid: controlSid, reason: 'unknown_session' },
      {
        body: { ...readyWebhook('ps_proto_key'), type: '__proto__' },
        sid: 'ps_proto_key',
        reason: 'unsupported_type',
      },
      {
        body: { ...readyWebhook('ps_to_string'), type: 'toString' },
        sid: 'ps_to_string',
        reason: 'unsupported_type',
      },
      // metadata that is not one of our payout IDs is not a route
      {
        body: readyWebhook('ps_foreign_meta', 'bank131-webhook-inbox-x'),
        sid: 'ps_foreign_meta',
        reason: 'unknown_session',
      },
    ];
    for (const c of cases) {
      const { raw, signature } = signed(c.body, bankKey.privateKeyPem);
      expect((await postWebhook(url, raw, signature)).status).toBe(200);
      const inbox = await client.workflow.getHandle(inboxWorkflowId(c.sid)).query(inboxQuery);
      expect(inbox.sessionId).toBe(c.sid);
      expect(inbox.webhooks).toHaveLength(1);
      expect(inbox.webhooks[0]?.reason).toBe(c.reason);
      expect(inbox.webhooks[0]?.workflowId).toBeUndefined();
    }
  });

  it('falls back to the search attribute when metadata is not one of our IDs', async () => {
    const sid = sessionId();
    const workflowId = await startRecorder(sid);
    await waitFor(async () => {
      for await (const wf of client.workflow.list({ query: `Bank131SessionId = "${sid}"` }))
        return wf.workflowId;
      return undefined;
    }, 'visibility of the search attribute');
    const { raw, signature } = signed(readyWebhook(sid, 'payout-has spaces'), bankKey.privateKeyPem);
    expect((await postWebhook(url, raw, signature)).status).toBe(200);
    expect((await recorded(workflowId)).deliveries).toBe(1);
  });

  it('generates a request ID when none (or an unusable one) is sent', async () => {
    const headerSets: Record<string, string>[] = [{}, { 'x-request-id': 'bad id with spaces' }];
    for (const headers of headerSets) {
      const res = await fetch(`${gateway.url}/healthz`, { headers });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('echoes a request ID and answers health checks', async () => {
    const res = await fetch(`${gateway.internalUrl}/readyz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('answers 503 with Connection: close to new webhooks once shutdown began', async () => {
    const { app, internalApp, beginShutdown } = createGatewayApp({
      client,
      config: fixture.config(),
      logger,
      taskQueue,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const internal = internalApp.listen(0, '127.0.0.1');
    await new Promise((r) => internal.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const internalBase = `http://127.0.0.1:${(internal.address() as { port: number }).port}`;
    const workflowId = await startRecorder();
    beginShutdown();
    const { raw, signature } = signed(readyWebhook(sessionId(), workflowId), bankKey.privateKeyPem);
    const res = await rawPost(`${base}/webhooks/bank131`, raw, signature).response;
    expect(res).toMatchObject({ status: 503, connection: 'close' });
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    expect((await fetch(`${internalBase}/readyz`)).status).toBe(503);
    expect((await recorded(workflowId)).deliveries).toBe(0);
    server.closeAllConnections();
    internal.closeAllConnections();
    await new Promise((r) => server.close(r));
    await new Promise((r) => internal.close(r));
  });

  /** A gateway of its own with one webhook whose body is still arriving when close() is called. */
  async function gatewayWithHeldWebhook(overrides: Parameters<typeof fixture.config>[0] = {}) {
    const received = logLines();
    const running = await startGateway({
      client,
      config: fixture.config(overrides),
      logger: received.logger,
      taskQueue,
    });
    const workflowId = await startRecorder();
    const { raw, signature } = signed(readyWebhook(sessionId(), workflowId), bankKey.privateKeyPem);
    const request = rawPost(`${running.url}/webhooks/bank131`, raw, signature, { holdBody: true });
    await waitFor(
      () => (received.messages().includes('webhook received') ? true : undefined),
      'request seen',
    );
    return { running, workflowId, request };
  }

  it('close() lets an in-flight webhook finish and be delivered, and refuses new connections', async () => {
    const { running, workflowId, request } = await gatewayWithHeldWebhook();
    const closed = running.close();
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
    request.finishBody();
    expect((await request.response).status).toBe(200);
    await closed;
    expect((await recorded(workflowId)).deliveries).toBe(1);
  });

  it("answers 503 with Retry-After above the in-flight cap, and the bank's retry lands", async () => {
    const { running, workflowId, request } = await gatewayWithHeldWebhook({ maxInFlight: 1 });
    const other = await startRecorder();
    const { raw, signature } = signed(readyWebhook(sessionId(), other), bankKey.privateKeyPem);
    const refused = await fetch(`${running.url}/webhooks/bank131`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-partner-sign': signature },
      body: raw,
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    request.finishBody();
    expect((await request.response).status).toBe(200);
    expect((await postWebhook(`${running.url}/webhooks/bank131`, raw, signature)).status).toBe(200);
    expect((await recorded(other)).deliveries).toBe(1);
    expect((await recorded(workflowId)).deliveries).toBe(1);
    await running.close();
  });

  it('cuts off a client that dribbles its body past the request timeout', async () => {
    const { running, workflowId, request } = await gatewayWithHeldWebhook({ requestTimeoutMs: 500 });
    // Node answers 408 and closes, or just closes if the answer cannot be written: either way, cut off.
    const outcome = await request.response.then(
      (res) => res.status,
      () => 'closed',
    );
    expect([408, 'closed']).toContain(outcome);
    expect((await recorded(workflowId)).deliveries).toBe(0);
    await running.close();
  });

  it('close() cuts off a request still unfinished after the grace period', async () => {
    const { running, workflowId, request } = await gatewayWithHeldWebhook({ shutdownGraceMs: 300 });
    await running.close();
    await expect(request.response).rejects.toThrow();
    expect((await recorded(workflowId)).deliveries).toBe(0);
  });
});

describe('GET /metrics', () => {
  it('counts webhooks by type, status and outcome', async () => {
    // A gateway of its own, so the counts are this test's and no other test's.
    const own = await startGateway({ client, config: fixture.config(), logger, taskQueue });
    try {
      const ownUrl = `${own.url}/webhooks/bank131`;
      const running = await startRecorder();
      const ready = signed(readyWebhook(sessionId(), running), bankKey.privateKeyPem);
      expect((await postWebhook(ownUrl, ready.raw, ready.signature)).status).toBe(200);
      for (let i = 0; i < 4; i++)
        expect((await postWebhook(ownUrl, ready.raw, 'AAAA' + ready.signature.slice(4))).status).toBe(401);
      const oversize = JSON.stringify({
        ...readyWebhook(sessionId(), running),
        padding: 'x'.repeat(300 * 1024),
      });
      expect((await postWebhook(ownUrl, oversize, signRaw(oversize, bankKey.privateKeyPem))).status).toBe(
        413,
      );
      const finished = await startRecorder();
      await client.workflow.getHandle(finished).signal(finishSignal);
      await client.workflow.getHandle(finished).result();
      const refund = signed(
        { ...readyWebhook(sessionId(), finished), type: 'payment_refunded' },
        bankKey.privateKeyPem,
      );
      expect((await postWebhook(ownUrl, refund.raw, refund.signature)).status).toBe(200);
      await client.workflow.getHandle(payoutReturnsWorkflowId(finished)).terminate('test done');

      const text = await (await fetch(`${own.internalUrl}/metrics`)).text();
      expect(text).toMatch(/webhooks_total\{type="ready_to_confirm",status="200",outcome="signalled"\} 1\n/);
      expect(text).toMatch(/webhooks_total\{type="unknown",status="413",outcome="entity.too.large"\} 1\n/);
      expect(text).toMatch(/webhooks_total\{type="unknown",status="401",outcome="bad_signature"\} 4\n/);
      expect(text).toMatch(/webhooks_total\{type="payment_refunded",status="200",outcome="returns"\} 1\n/);
      expect(text).toMatch(/webhook_payout_returns_total 1\n/);
    } finally {
      await own.close();
    }
  });
});

/** A POST over node:http, which shows the Connection header and can hold back the end of the body. */
function rawPost(
  target: string,
  raw: string,
  signature: string,
  opts: { holdBody?: boolean } = {},
): { response: Promise<{ status: number; connection?: string }>; finishBody: () => void } {
  const body = Buffer.from(raw);
  const req = http.request(target, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': body.length,
      'x-partner-sign': signature,
    },
  });
  const response = new Promise<{ status: number; connection?: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
  });
  const split = opts.holdBody ? body.length - 1 : body.length;
  req.write(body.subarray(0, split));
  if (!opts.holdBody) req.end();
  return { response, finishBody: () => req.end(body.subarray(split)) };
}

/** A debug-level logger whose messages the test can read. */
function logLines(): { logger: pino.Logger; messages: () => string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: pino({ level: 'debug' }, sink),
    messages: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
  };
}
