/**
 * Signed callbacks to the backend: what the worker sends when a payout ends or money comes back, and the
 * helper a backend uses to check one. Node's crypto only, so a backend can copy this file alone.
 *
 * Wire format: `POST` with a JSON body `{ id, type, sentAt, payoutId, data }` and the header
 * `X-Payout-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>`. `sentAt` is inside
 * the signed body, so a captured callback cannot be replayed with a fresh timestamp; `id` is the same on
 * every attempt, so a backend that saw it already answers 2xx and does nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CALLBACK_SIGNATURE_HEADER = 'x-payout-signature';
export const CALLBACK_EVENT_ID_HEADER = 'x-payout-event-id';
/** How far a callback's `sentAt` may be from the receiver's clock (either way). */
export const DEFAULT_CALLBACK_TOLERANCE_MS = 5 * 60_000;

export type CallbackEventType = 'payout.finished' | 'payout.returned';

/** What a callback body carries; `data` holds our IDs, amounts and statuses, never account data or names. */
export interface CallbackEvent {
  /** Stable across attempts: dedup on it. */
  id: string;
  type: CallbackEventType;
  payoutId: string;
  data: Record<string, unknown>;
}

export interface SignedCallback {
  body: string;
  headers: Record<string, string>;
}

export function callbackSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The body and headers of one delivery attempt, stamped with `sentAt`. */
export function signCallback(event: CallbackEvent, secret: string, sentAt: Date): SignedCallback {
  const body = JSON.stringify({ ...event, sentAt: sentAt.toISOString() });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [CALLBACK_SIGNATURE_HEADER]: callbackSignature(body, secret),
      [CALLBACK_EVENT_ID_HEADER]: event.id,
    },
  };
}

export class CallbackVerificationError extends Error {
  override readonly name = 'CallbackVerificationError';
  constructor(
    readonly reason: 'missing_signature' | 'bad_signature' | 'malformed' | 'stale',
    message: string,
  ) {
    super(message);
  }
}

export type VerifiedCallback = CallbackEvent & { sentAt: string };

export interface VerifyCallbackOptions {
  /** The raw body exactly as received (before any JSON parsing). */
  body: string | Buffer;
  /** The `X-Payout-Signature` header. */
  signature: string | string[] | undefined;
  secret: string;
  toleranceMs?: number;
  now?: Date;
}

/**
 * For backends: checks the signature over the raw body (constant time), then the timestamp inside it.
 * Returns the event; throws `CallbackVerificationError` naming why it is refused. Dedup on `event.id`.
 */
export function verifyCallback(opts: VerifyCallbackOptions): VerifiedCallback {
  const header = Array.isArray(opts.signature) ? opts.signature[0] : opts.signature;
  if (!header) throw new CallbackVerificationError('missing_signature', 'no X-Payout-Signature header');
  const expected = Buffer.from(callbackSignature(opts.body, opts.secret));
  const given = Buffer.from(header.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new CallbackVerificationError('bad_signature', 'signature does not match the body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.isBuffer(opts.body) ? opts.body.toString('utf8') : opts.body);
  } catch {
    throw new CallbackVerificationError('malformed', 'body is not JSON');
  }
  const event = parsed as Partial<VerifiedCallback> | null;
  if (
    !event ||
    typeof event.id !== 'string' ||
    typeof event.type !== 'string' ||
    typeof event.sentAt !== 'string'
  )
    throw new CallbackVerificationError('malformed', 'body lacks id, type or sentAt');
  const sentAt = Date.parse(event.sentAt);
  const now = (opts.now ?? new Date()).getTime();
  const tolerance = opts.toleranceMs ?? DEFAULT_CALLBACK_TOLERANCE_MS;
  if (!Number.isFinite(sentAt) || Math.abs(now - sentAt) > tolerance)
    throw new CallbackVerificationError(
      'stale',
      `sentAt ${event.sentAt} is outside the ${tolerance} ms tolerance`,
    );
  return event as VerifiedCallback;
}
