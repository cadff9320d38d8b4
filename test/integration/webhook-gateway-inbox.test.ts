/**
 * The inbox workflow for unmatched webhooks, fed through the gateway and directly: dedup by dedup key, and
 * continue-as-new above 500 webhooks without losing what it holds or forgetting what it has seen.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSchema } from '../../bank131/schemas';
import { generateKeyPairPem } from '../../bank131/signature';
import { inboxWorkflowId, routeWebhook } from '../../webhook-gateway/mapping';
import {
  inboxQuery,
  unmatchedWebhookSignal,
  WEBHOOK_INBOX_WORKFLOW_TYPE,
  type WebhookSignal,
} from '../../workflows/messages';
import { INBOX_MAX_WEBHOOKS } from '../../workflows/webhook-inbox';
import { startGatewayFixture, type GatewayFixture } from '../helpers/gateway-fixture';
import { waitFor } from '../helpers/stack';
import { postWebhook, readyWebhook, signed } from '../helpers/webhooks';

const bankKey = generateKeyPairPem();
let fixture: GatewayFixture;
let client: Client;

beforeAll(async () => {
  fixture = await startGatewayFixture({ bankPublicKeysPem: [bankKey.publicKeyPem] });
  client = fixture.client;
});

afterAll(() => fixture?.stop());

const newSessionId = () => `ps_inbox_${Math.floor(Math.random() * 1e9)}`;

/** A refund webhook for an unknown session; each refund ID is a different dedup key. */
function refundWebhook(sessionId: string, refundId: string) {
  const base = readyWebhook(sessionId);
  return {
    type: 'payment_refunded',
    session: {
      ...base.session,
      status: 'accepted',
      payments: base.session.payments.map((p) => ({
        ...p,
        status: 'succeeded',
        refunds: [{ id: refundId, status: 'accepted' }],
      })),
    },
  };
}

describe('webhook inbox workflow', () => {
  it('keeps one entry per dedup key however often the bank redelivers', async () => {
    const sid = newSessionId();
    const first = signed(refundWebhook(sid, 'rf_1'), bankKey.privateKeyPem);
    const second = signed(refundWebhook(sid, 'rf_2'), bankKey.privateKeyPem);
    for (const w of [first, first, second, first, second]) {
      expect((await postWebhook(fixture.webhookUrl, w.raw, w.signature)).status).toBe(200);
    }
    const inbox = await client.workflow.getHandle(inboxWorkflowId(sid)).query(inboxQuery);
    expect(inbox.webhooks.map((w) => w.session.payout?.refunds[0]?.id)).toEqual(['rf_1', 'rf_2']);
    expect(inbox.webhooks.every((w) => w.reason === 'unknown_session')).toBe(true);
  });

  it(`continues as new above ${INBOX_MAX_WEBHOOKS} webhooks, keeping them queryable and still deduplicating`, async () => {
    const sid = newSessionId();
    const workflowId = inboxWorkflowId(sid);
    const payloadFor = (refundId: string): WebhookSignal =>
      routeWebhook(WebhookSchema.parse(refundWebhook(sid, refundId)), new Date()).payload;
    const signalWithStart = (refundId: string) =>
      client.workflow.signalWithStart(WEBHOOK_INBOX_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: fixture.taskQueue,
        args: [{ sessionId: sid }],
        signal: unmatchedWebhookSignal,
        signalArgs: [{ ...payloadFor(refundId), reason: 'unknown_session' }],
      });

    const firstRunId = (await signalWithStart('rf_0')).signaledRunId;
    for (let i = 1; i <= INBOX_MAX_WEBHOOKS; i++) await signalWithStart(`rf_${i}`);
    const held = INBOX_MAX_WEBHOOKS + 1;

    const secondRunId = await waitFor(async () => {
      const { runId } = await client.workflow.getHandle(workflowId).describe();
      return runId !== firstRunId ? runId : undefined;
    }, 'continue-as-new');
    const firstRun = await client.workflow.getHandle(workflowId, firstRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    // Everything the first run recorded is still there, in that run.
    const archived = await client.workflow.getHandle(workflowId, firstRunId).query(inboxQuery);
    expect(archived.webhooks).toHaveLength(held);

    // A redelivery of a webhook the first run holds is recognised; a new one is recorded.
    for (const refundId of ['rf_7', 'rf_new']) {
      const { raw, signature } = signed(refundWebhook(sid, refundId), bankKey.privateKeyPem);
      expect((await postWebhook(fixture.webhookUrl, raw, signature)).status).toBe(200);
    }
    const current = await client.workflow.getHandle(workflowId).query(inboxQuery);
    expect(current.webhooks.map((w) => w.session.payout?.refunds[0]?.id)).toEqual(['rf_new']);
    expect(current.earlierRuns).toEqual([{ runId: firstRunId, webhooks: held }]);
    expect((await client.workflow.getHandle(workflowId).describe()).runId).toBe(secondRunId);
  });
});
