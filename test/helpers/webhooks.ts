import { loadPrivateKey, signBody } from '../../bank131/signature';

export function readyWebhook(sessionId: string, workflowId?: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'ready_to_confirm',
    session: {
      id: sessionId,
      status: 'in_progress',
      next_action: 'confirm',
      payments: [
        {
          id: `po_${sessionId}`,
          status: 'pending',
          amount_details: { amount: 10000, currency: 'rub' },
          payment_method: {
            type: 'bank_account',
            bank_account: { system_type: 'ru', ru: { token: 'tok', account: '40817***4312' } },
          },
          ...(workflowId ? { metadata: workflowId } : {}),
        },
      ],
    },
    ...extra,
  };
}

export async function postWebhook(
  url: string,
  body: string | Buffer,
  signature: string | undefined,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-partner-sign': signature }),
    },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

export function signRaw(raw: string | Buffer, privateKeyPem: string): string {
  return signBody(typeof raw === 'string' ? Buffer.from(raw) : raw, loadPrivateKey(privateKeyPem));
}

export function signed(body: unknown, privateKeyPem: string): { raw: string; signature: string } {
  const raw = JSON.stringify(body);
  return { raw, signature: signRaw(raw, privateKeyPem) };
}

/** Shaped like the simulator's `payment_finished` body, with a refund on the payout. */
export function refundedWebhook(o: {
  sessionId: string;
  bankPayoutId: string;
  metadata: string;
  amount: number;
  refundId: string;
}) {
  return {
    type: 'payment_refunded',
    session: {
      id: o.sessionId,
      status: 'accepted',
      payments: [
        {
          id: o.bankPayoutId,
          status: 'succeeded',
          payment_method: {
            type: 'bank_account',
            bank_account: { system_type: 'ru', ru: { token: 'tok', account: '40817***4312' } },
          },
          amount_details: { amount: o.amount, currency: 'rub' },
          metadata: o.metadata,
          refunds: [
            { id: o.refundId, status: 'accepted', amount_details: { amount: o.amount, currency: 'rub' } },
          ],
        },
      ],
    },
  };
}

/** Signs `body` with the stack's bank key and posts it to the stack's gateway; the HTTP status. */
export async function sendWebhook(
  stack: { keys: { bank: { privateKeyPem: string } }; gatewayUrl?: string },
  body: unknown,
): Promise<number> {
  const { raw, signature } = signed(body, stack.keys.bank.privateKeyPem);
  return (await postWebhook(`${stack.gatewayUrl}/webhooks/bank131`, raw, signature)).status;
}
