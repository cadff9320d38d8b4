import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CALLBACK_SIGNATURE_HEADER,
  CallbackVerificationError,
  signCallback,
  verifyCallback,
  type CallbackEvent,
} from '../../client/callbacks';
import { loadBackendCallbackConfig } from '../../config/callbacks';
import { payoutFinishedEvent, payoutReturnedEvent } from '../../workflows/callback-events';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const event: CallbackEvent = {
  id: 'payout-order-1#finished',
  type: 'payout.finished',
  payoutId: 'order-1',
  data: { outcome: 'succeeded', amount: 150000 },
};
const sentAt = new Date('2026-11-25T10:00:00Z');

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackVerificationError) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('verifyCallback', () => {
  const signed = signCallback(event, SECRET, sentAt);
  const signature = signed.headers[CALLBACK_SIGNATURE_HEADER]!;

  it('accepts a callback signed with the secret, within the tolerance, and returns the event', () => {
    const verified = verifyCallback({
      body: signed.body,
      signature,
      secret: SECRET,
      now: new Date(sentAt.getTime() + 60_000),
    });
    expect(verified).toEqual({ ...event, sentAt: sentAt.toISOString() });
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    // Same check on the raw bytes a server hands over.
    expect(
      verifyCallback({ body: Buffer.from(signed.body), signature, secret: SECRET, now: sentAt }).id,
    ).toBe(event.id);
  });

  it('refuses a tampered body, another secret, a missing or mangled signature', () => {
    const tampered = signed.body.replace('succeeded', 'failed');
    expect(reason(() => verifyCallback({ body: tampered, signature, secret: SECRET, now: sentAt }))).toBe(
      'bad_signature',
    );
    expect(reason(() => verifyCallback({ body: signed.body, signature, secret: 'other', now: sentAt }))).toBe(
      'bad_signature',
    );
    expect(
      reason(() => verifyCallback({ body: signed.body, signature: undefined, secret: SECRET, now: sentAt })),
    ).toBe('missing_signature');
    expect(
      reason(() =>
        verifyCallback({ body: signed.body, signature: signature.slice(0, -2), secret: SECRET, now: sentAt }),
      ),
    ).toBe('bad_signature');
  });

  it('refuses a replay outside the tolerance, either way, and a re-stamped body', () => {
    const late = new Date(sentAt.getTime() + 5 * 60_000 + 1);
    expect(reason(() => verifyCallback({ body: signed.body, signature, secret: SECRET, now: late }))).toBe(
      'stale',
    );
    const early = new Date(sentAt.getTime() - 5 * 60_000 - 1);
    expect(reason(() => verifyCallback({ body: signed.body, signature, secret: SECRET, now: early }))).toBe(
      'stale',
    );
    expect(
      reason(() =>
        verifyCallback({ body: signed.body, signature, secret: SECRET, now: late, toleranceMs: 600_000 }),
      ),
    ).toBe('accepted');
    // Moving sentAt forward breaks the signature: the timestamp is signed content.
    const restamped = signed.body.replace(sentAt.toISOString(), late.toISOString());
    expect(reason(() => verifyCallback({ body: restamped, signature, secret: SECRET, now: late }))).toBe(
      'bad_signature',
    );
  });

  it('refuses a signed body that is not a callback', () => {
    const body = JSON.stringify({ hello: 'world' });
    const sig = signCallback(event, SECRET, sentAt).headers[CALLBACK_SIGNATURE_HEADER];
    expect(reason(() => verifyCallback({ body, signature: sig, secret: SECRET, now: sentAt }))).toBe(
      'bad_signature',
    );
    const own = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect(reason(() => verifyCallback({ body, signature: own, secret: SECRET, now: sentAt }))).toBe(
      'malformed',
    );
  });
});

describe('callback events', () => {
  const request = {
    payoutId: 'order-1',
    amount: 150000,
    currency: 'rub',
    recipient: {
      kind: 'account' as const,
      bik: '049205131',
      account: '40817810099910004312',
      fullName: 'Иванов',
    },
    description: 'x',
  };

  it('tell the outcome with one stable ID per payout, and no account data', () => {
    const e = payoutFinishedEvent('payout-order-1', request, {
      payoutId: 'order-1',
      outcome: 'succeeded',
      sessionId: 'ps_1',
      returned: false,
    });
    expect(e).toEqual({
      id: 'payout-order-1#finished',
      type: 'payout.finished',
      payoutId: 'order-1',
      data: { outcome: 'succeeded', amount: 150000, currency: 'rub', sessionId: 'ps_1', returned: false },
    });
    expect(JSON.stringify(e)).not.toMatch(/40817|049205131|Иванов/);
    // A return the bank reported while the payout ran comes with the outcome.
    const returned = payoutFinishedEvent(
      'payout-order-1',
      request,
      { payoutId: 'order-1', outcome: 'succeeded', returned: true },
      [{ id: 'rf_1', status: 'accepted', amount: 150000, currency: 'rub' }],
    );
    expect(returned.data).toMatchObject({
      returned: true,
      returns: [{ refundId: 'rf_1', status: 'accepted', amount: 150000 }],
    });
  });

  it('tell each return under the refund ID', () => {
    const e = payoutReturnedEvent('payout-order-1', 'order-1', {
      refundId: 'rf_1',
      status: 'accepted',
      amount: 100,
      at: '2026-11-25T10:00:00Z',
      sessionId: 'ps_1',
      confirmedByStatus: true,
    });
    expect(e.id).toBe('payout-order-1#returned#rf_1');
    expect(e.type).toBe('payout.returned');
  });
});

describe('loadBackendCallbackConfig', () => {
  const local = { ALLOW_INSECURE_LOCAL_DEV: '1' };
  it('is off without a URL, needs a secret with one, and reads it from a file', () => {
    expect(loadBackendCallbackConfig({})).toBeUndefined();
    expect(loadBackendCallbackConfig({ BACKEND_CALLBACK_URL: '' })).toBeUndefined();
    expect(() => loadBackendCallbackConfig({ BACKEND_CALLBACK_URL: 'not a url' })).toThrow(
      /BACKEND_CALLBACK_URL/,
    );
    expect(() =>
      loadBackendCallbackConfig({ ...local, BACKEND_CALLBACK_URL: 'http://127.0.0.1:1/x' }),
    ).toThrow(/BACKEND_CALLBACK_SECRET/);
    const dir = mkdtempSync(path.join(tmpdir(), 'cb-'));
    writeFileSync(path.join(dir, 'secret'), `${SECRET}\n`);
    expect(
      loadBackendCallbackConfig({
        ...local,
        BACKEND_CALLBACK_URL: 'http://127.0.0.1:1/x',
        BACKEND_CALLBACK_SECRET_FILE: path.join(dir, 'secret'),
        BACKEND_CALLBACK_TIMEOUT: '3s',
      }),
    ).toEqual({ url: 'http://127.0.0.1:1/x', secret: SECRET, timeoutMs: 3000 });
  });

  it('outside local dev, refuses plain HTTP and a short secret', () => {
    expect(() =>
      loadBackendCallbackConfig({
        BACKEND_CALLBACK_URL: 'http://backend/x',
        BACKEND_CALLBACK_SECRET: 'short',
      }),
    ).toThrow(/BACKEND_CALLBACK_SECRET[\s\S]*BACKEND_CALLBACK_URL: must be an https URL/);
    expect(
      loadBackendCallbackConfig({
        BACKEND_CALLBACK_URL: 'https://backend/x',
        BACKEND_CALLBACK_SECRET: SECRET,
      }),
    ).toMatchObject({ url: 'https://backend/x' });
  });
});
