/**
 * The gateway's per-session rate limit and its internal port, over real HTTP against the real Temporal
 * server: a flood of distinct signed bodies for one session reaches the payout a bounded number of times,
 * the rest are told to come back (429 + Retry-After) and do get in when they do; readiness and metrics are
 * not on the public port.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { loadGatewayConfig } from '../../config';
import { createLogger } from '../../observability/logger';
import { payoutWorkflowId } from '../../policy/payout-request';
import { startGateway, type RunningGateway } from '../../webhook-gateway/server';
import { recordedQuery, type Recorded } from '../fixtures/gateway-workflows';
import { startGatewayFixture, type GatewayFixture } from '../helpers/gateway-fixture';
import { readyWebhook, signed } from '../helpers/webhooks';

const bankKey = generateKeyPairPem();
const LIMIT = 3;
const WINDOW_MS = 3_000;
let fixture: GatewayFixture;

beforeAll(async () => {
  fixture = await startGatewayFixture({
    bankPublicKeysPem: [bankKey.publicKeyPem],
    sessionRateLimit: LIMIT,
    sessionRateWindowMs: WINDOW_MS,
  });
});
afterAll(() => fixture?.stop());

async function startRecorder(): Promise<string> {
  const workflowId = payoutWorkflowId(`rate-${randomUUID()}`);
  await fixture.client.workflow.start('payoutWorkflow', { taskQueue: fixture.taskQueue, workflowId });
  return workflowId;
}
const deliveries = async (workflowId: string) =>
  (await fixture.client.workflow.getHandle(workflowId).query<Recorded>(recordedQuery)).deliveries;
const sessionId = () => `ps_${Math.floor(Math.random() * 1e9)}`;

async function post(body: unknown): Promise<{ status: number; retryAfter: string | null; error?: string }> {
  const { raw, signature } = signed(body, bankKey.privateKeyPem);
  const res = await fetch(fixture.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-partner-sign': signature },
    body: raw,
  });
  const json = (await res.json()) as { error?: string };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), error: json.error };
}

describe('per-session rate limit', () => {
  it('distinct signed bodies for one session: the first LIMIT are signalled, the rest get 429 + Retry-After', async () => {
    const workflowId = await startRecorder();
    const sid = sessionId();
    // Distinct bytes each (a replay guard would not stop these): e.g. captured bodies of several retries.
    const bodies = Array.from({ length: 8 }, (_, i) => readyWebhook(sid, workflowId, { attempt: i }));
    const answers = [];
    for (const body of bodies) answers.push(await post(body));
    expect(answers.slice(0, LIMIT).map((a) => a.status)).toEqual(Array(LIMIT).fill(200));
    const refused = answers.slice(LIMIT);
    expect(refused.map((a) => a.status)).toEqual(Array(8 - LIMIT).fill(429));
    for (const a of refused) {
      expect(a.error).toBe('session_rate_limited');
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(a.retryAfter)).toBeLessThanOrEqual(WINDOW_MS / 1000);
    }
    expect(await deliveries(workflowId)).toBe(LIMIT);

    // Another session is not affected.
    const other = await startRecorder();
    expect((await post(readyWebhook(sessionId(), other))).status).toBe(200);
    expect(await deliveries(other)).toBe(1);
  });

  it('never drops: a refused webhook retried after Retry-After is delivered', async () => {
    const workflowId = await startRecorder();
    const sid = sessionId();
    for (let i = 0; i < LIMIT; i++) {
      expect((await post(readyWebhook(sid, workflowId, { attempt: i }))).status).toBe(200);
    }
    const late = readyWebhook(sid, workflowId, { attempt: 'late' });
    const first = await post(late);
    expect(first.status).toBe(429);
    // As the bank does: the same body again, after the hint.
    await new Promise((r) => setTimeout(r, Number(first.retryAfter) * 1000));
    const retried = await post(late);
    expect(retried.status).toBe(200);
    expect(await deliveries(workflowId)).toBe(LIMIT + 1);
  });

  it('is on by default, bounded and configurable', () => {
    const defaults = fixture.config({});
    const fromEnv = loadGatewayConfig({
      BANK131_PUBLIC_KEYS: bankKey.publicKeyPem,
      ALLOW_INSECURE_LOCAL_DEV: '1',
      GATEWAY_SESSION_RATE_LIMIT: '7',
      GATEWAY_SESSION_RATE_WINDOW: '30s',
    });
    expect(fromEnv).toMatchObject({ sessionRateLimit: 7, sessionRateWindowMs: 30_000 });
    const production = loadGatewayConfig({
      BANK131_PUBLIC_KEYS: bankKey.publicKeyPem,
      ALLOW_INSECURE_LOCAL_DEV: '1',
    });
    expect(production).toMatchObject({
      sessionRateLimit: 20,
      sessionRateWindowMs: 60_000,
      sessionRateEntries: 50_000,
    });
    expect(defaults.sessionRateLimit).toBe(LIMIT);
  });
});

describe('internal port', () => {
  let own: RunningGateway;
  beforeAll(async () => {
    own = await startGateway({
      client: fixture.client,
      config: fixture.config(),
      logger: createLogger('gateway-test', 'silent'),
      taskQueue: fixture.taskQueue,
    });
  });
  afterAll(() => own?.close());

  it('the public port serves the webhook path and /healthz only', async () => {
    expect((await fetch(`${own.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${own.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${own.url}/readyz`)).status).toBe(404);
  });

  it('/readyz and /metrics are on the internal port, bound to loopback by default', async () => {
    expect(own.internalUrl).not.toBe(own.url);
    expect((await fetch(`${own.internalUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${own.internalUrl}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${own.internalUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/webhooks_total|process_cpu/);
    expect((await fetch(`${own.internalUrl}/webhooks/bank131`, { method: 'POST' })).status).toBe(404);
    const defaults = loadGatewayConfig({
      BANK131_PUBLIC_KEYS: bankKey.publicKeyPem,
      ALLOW_INSECURE_LOCAL_DEV: '1',
    });
    expect(defaults).toMatchObject({ internalHost: '127.0.0.1', internalPort: 9465, host: '127.0.0.1' });
  });
});
