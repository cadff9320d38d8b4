/**
 * Signed callbacks to the backend, end to end on the dev server: the backend is down when the payout ends,
 * the payout's outcome does not wait for it, every failed attempt shows in the payout's status, and once a
 * receiver listens on loopback it gets the event exactly once, signed with the shared secret.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_SIGNATURE_HEADER, verifyCallback, type VerifiedCallback } from '../../client/callbacks';
import { freePort } from '../../harness/dev-server';
import type { LocalStack } from '../../harness/local-stack';
import { accountRequest, recordHistory, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';
import { backendCallbackWorkflowId } from '../../workflows/backend-callback';
import { payoutReturnsWorkflowId } from '../../workflows/messages';
import { refundedWebhook, sendWebhook } from '../helpers/webhooks';

const SECRET = 'test-callback-secret-0123456789abcdef';
let stack: LocalStack;
let port: number;
let receiver: Server | undefined;
/** Every request the receiver saw, verified or not. */
const received: { verified?: VerifiedCallback; error?: string }[] = [];

function startReceiver(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const verified = verifyCallback({
          body: Buffer.concat(chunks),
          signature: req.headers[CALLBACK_SIGNATURE_HEADER],
          secret: SECRET,
        });
        received.push({ verified });
        res.writeHead(204).end();
      } catch (err) {
        received.push({ error: String(err) });
        res.writeHead(401).end();
      }
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  port = await freePort();
  stack = await startTestStack({
    callbacks: { url: `http://127.0.0.1:${port}/payout-events`, secret: SECRET, timeoutMs: 2_000 },
  });
});
afterAll(async () => {
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  await stack?.stop();
});

describe('backend callbacks', () => {
  it('survive a backend that is down, show each attempt, and arrive once, signed, when it is up', async () => {
    const payoutId = uniquePayoutId('callback');
    await stack.payouts.startPayout(accountRequest(payoutId));
    // The outcome does not wait for the backend.
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');

    const failing = await waitFor(async () => {
      const view = await stack.payouts.getPayout(payoutId);
      const delivery = view.callbacks?.[0]?.delivery;
      return delivery && delivery.attemptCount >= 2 ? view : undefined;
    }, 'two failed attempts');
    expect(failing.workflowStatus).toBe('COMPLETED');
    expect(failing.callbacks?.[0]).toMatchObject({
      eventId: `${failing.workflowId}#finished`,
      type: 'payout.finished',
      delivery: { delivered: false },
    });
    for (const attempt of failing.callbacks?.[0]?.delivery?.attempts ?? [])
      expect(attempt.error).toMatch(/backend unreachable: connect ECONNREFUSED/);
    expect(received).toHaveLength(0);

    receiver = await startReceiver();
    const delivered = await waitFor(
      async () => {
        const view = await stack.payouts.getPayout(payoutId);
        return view.callbacks?.[0]?.delivery?.delivered ? view : undefined;
      },
      'the delivery',
      30_000,
    );
    expect(delivered.callbacks?.[0]?.delivery?.attempts.at(-1)).toMatchObject({ ok: true, httpStatus: 204 });
    // Nothing more comes after the accepted attempt.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(received).toHaveLength(1);
    expect(received[0]?.verified).toMatchObject({
      id: `${delivered.workflowId}#finished`,
      type: 'payout.finished',
      payoutId,
      data: { outcome: 'succeeded', amount: 150000, currency: 'rub', sessionId: delivered.state.sessionId },
    });
    expect(JSON.stringify(received[0])).not.toMatch(/40817810099910004312/);

    // A return after the payout finished is told to the backend too, under the refund's ID.
    const refund = refundedWebhook({
      sessionId: delivered.state.sessionId!,
      bankPayoutId: delivered.state.bankPayoutId!,
      metadata: delivered.workflowId,
      amount: 150000,
      refundId: 'rf_callback',
    });
    expect(await sendWebhook(stack, refund)).toBe(200);
    await waitFor(() => (received.length >= 2 ? true : undefined), 'the return callback');
    expect(received[1]?.verified).toMatchObject({
      id: `${delivered.workflowId}#returned#rf_callback`,
      type: 'payout.returned',
      payoutId,
      data: { refundId: 'rf_callback', amount: 150000 },
    });
    const view = await waitFor(async () => {
      const v = await stack.payouts.getPayout(payoutId);
      return v.callbacks?.[1]?.delivery?.delivered ? v : undefined;
    }, 'the return delivery seen');
    expect(view.callbacks?.map((c) => [c.type, c.delivery?.delivered])).toEqual([
      ['payout.finished', true],
      ['payout.returned', true],
    ]);
    // For the replay test: the payout, its returns workflow (still open for 30 days) and the delivery.
    await recordHistory(stack, delivered.workflowId, 'backend-callback');
    await recordHistory(
      stack,
      backendCallbackWorkflowId(`${delivered.workflowId}#finished`),
      'backend-callback-delivery',
    );
    await recordHistory(stack, payoutReturnsWorkflowId(delivered.workflowId), 'returns-backend-callback');
  });
});
