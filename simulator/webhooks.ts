/**
 * Delivers signed webhooks the way Bank 131 does: the body is serialized once and signed (RSA-SHA256, Base64,
 * `X-PARTNER-SIGN`) with the bank's key; any answer but 200, or no answer, is redelivered at doubling intervals
 * until the bank gives up. One session's webhooks go out in order, each waiting for the previous one.
 */
import type { KeyObject } from 'node:crypto';
import { Agent, request } from 'undici';
import { SIGNATURE_HEADER, signBody } from '../bank131/signature';
import type { Logger } from '../observability/logger';
import type { Ledger } from './ledger';
import type { TimerRegistry } from './timers';

export interface DeliveryTiming {
  retryInitialMs: number;
  retryMaxMs: number;
  giveUpMs: number;
}

/** A webhook ready to send: the exact bytes and their signature, reused for every attempt. */
export interface SignedWebhook {
  type: string;
  sessionId: string;
  workflowId?: string;
  body: Buffer;
  signature: string;
}

/** One delivery attempt waits at most this long for the receiver's answer. */
const ATTEMPT_TIMEOUT_MS = 30_000;

export class WebhookDispatcher {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly agent = new Agent({ keepAliveTimeout: 4_000 });
  private readonly closing = new AbortController();

  constructor(
    private url: string,
    private readonly key: KeyObject,
    private readonly timing: DeliveryTiming,
    private readonly ledger: Ledger,
    private readonly timers: TimerRegistry,
    private readonly logger?: Logger,
  ) {}

  setUrl(url: string): void {
    this.url = url;
  }

  sign(
    type: string,
    payload: Record<string, unknown>,
    sessionId: string,
    workflowId?: string,
  ): SignedWebhook {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    return { type, sessionId, workflowId, body, signature: signBody(body, this.key) };
  }

  /**
   * Delivers behind the session's earlier webhooks (or at once when `inOrder` is false). Resolves when the
   * receiver acknowledged it, the bank gave up, or the simulator closed; never rejects.
   */
  enqueue(webhook: SignedWebhook, inOrder = true): Promise<void> {
    if (!inOrder) return this.deliver(webhook);
    const previous = this.tails.get(webhook.sessionId) ?? Promise.resolve();
    const delivered = previous.then(() => this.deliver(webhook));
    this.tails.set(webhook.sessionId, delivered);
    void delivered.then(() => {
      if (this.tails.get(webhook.sessionId) === delivered) this.tails.delete(webhook.sessionId);
    });
    return delivered;
  }

  /** Aborts deliveries in flight; the registry's close() ends the waits between attempts. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.agent.destroy();
  }

  private async deliver(webhook: SignedWebhook): Promise<void> {
    const { type, sessionId, workflowId } = webhook;
    const giveUpAt = Date.now() + this.timing.giveUpMs;
    let interval = this.timing.retryInitialMs;
    for (let attempt = 1; !this.timers.isClosed; attempt++) {
      const { httpStatus, error } = await this.attempt(webhook);
      if (this.timers.isClosed) return;
      this.ledger.record({ kind: 'webhook', type, sessionId, workflowId, attempt, httpStatus, error });
      if (httpStatus === 200) return;
      if (Date.now() + interval > giveUpAt) {
        this.logger?.warn({ type, sessionId, workflowId, attempt }, 'webhook delivery given up');
        return;
      }
      this.logger?.debug({ type, sessionId, attempt, httpStatus, error }, 'webhook not acknowledged');
      await this.timers.sleep(interval);
      interval = Math.min(interval * 2, this.timing.retryMaxMs);
    }
  }

  private async attempt(webhook: SignedWebhook): Promise<{ httpStatus?: number; error?: string }> {
    try {
      const res = await request(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: webhook.signature },
        body: webhook.body,
        dispatcher: this.agent,
        signal: this.closing.signal,
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS,
      });
      await res.body.dump();
      return { httpStatus: res.statusCode };
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : undefined;
      const message = err instanceof Error ? err.message : String(err);
      return { error: code ? `${code}: ${message}` : message };
    }
  }
}
