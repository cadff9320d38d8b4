/**
 * What the gateway trusts and reads: Bank 131's signature over the exact bytes, then the body against the
 * webhook schema. A bad signature is refused; an authentic body we cannot read is reported, never refused.
 */
import type { KeyObject } from 'node:crypto';
import { WebhookSchema, type Webhook } from '../bank131/schemas';
import { verifyBody } from '../bank131/signature';

const MAX_REPORTED_ISSUES = 5;

/** A refusal we answer on purpose (4xx), with the outcome label and a reason safe to send back. */
export class WebhookRefusedError extends Error {
  override readonly name = 'WebhookRefusedError';
  constructor(
    readonly status: number,
    readonly outcome: string,
    message: string,
    /** Sent as Retry-After: the refusal is temporary and the bank's retry will be let in. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Throws a 401 refusal unless one of the bank's keys signed these exact bytes. */
export function verifySignature(raw: Buffer, signature: string | undefined, publicKeys: KeyObject[]): void {
  if (verifyBody(raw, signature, publicKeys)) return;
  throw new WebhookRefusedError(
    401,
    'bad_signature',
    signature ? 'signature does not verify' : 'missing X-PARTNER-SIGN',
  );
}

/** An authentic body, read: the webhook, or why it cannot be read (and the JSON, if it was JSON). */
export type ReadBody = { webhook: Webhook } | { json: unknown; parseError: string };

export function readWebhook(raw: Buffer): ReadBody {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { json: undefined, parseError: 'body is not valid JSON' };
  }
  const parsed = WebhookSchema.safeParse(json);
  if (parsed.success) return { webhook: parsed.data };
  const issues = parsed.error.issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { json, parseError: `not a webhook we can read: ${issues}` };
}
