/**
 * Delivers signed webhooks the way Bank 131 does: RSA-SHA256 over the raw body in X-PARTNER-SIGN, redelivered
 * with growing intervals until the receiver answers 2xx or the bank gives up. One session's webhooks go out
 * in order, one at a time.
 */
import type { KeyObject } from 'node:crypto';
import { request } from 'undici';
import { SIGNATURE_HEADER, signBody } from '../bank131/signature';
import type { Logger } from '../observability/logger';
import type { Ledger } from './ledger';

export interface DeliveryTiming {
  retryInitialMs: number;
  retryMaxMs: number;
  giveUpMs: number;
}

export class WebhookDispatcher {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;

  constructor(
    private url: string,
    private readonly key: KeyObject,
    private readonly timing: DeliveryTiming,
    private readonly ledger: Ledger,
    private readonly logger?: Logger,
  ) {}

  setUrl(url: string): void {
    this.url = url;
  }

  /** Queues a webhook behind the session's earlier ones; resolves once delivered or given up. */
  enqueue(type: string, body: unknown, sessionId: string, workflowId: string | undefined): Promise<void> {
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(type, body, sessionId, workflowId));
    this.queues.set(sessionId, next);
    return next;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (this.sleepers.delete(entry), resolve()), ms), resolve };
      this.sleepers.add(entry);
    });
  }

  private async deliver(
    type: string,
    body: unknown,
    sessionId: string,
    workflowId: string | undefined,
  ): Promise<void> {
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    const signature = signBody(payload, this.key);
    const giveUpAt = Date.now() + this.timing.giveUpMs;
    let interval = this.timing.retryInitialMs;
    for (let attempt = 1; !this.closed; attempt++) {
      let httpStatus: number | undefined;
      let error: string | undefined;
      try {
        const res = await request(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
          body: payload,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        httpStatus = res.statusCode;
        await res.body.dump();
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      this.ledger.record({ kind: 'webhook', type, sessionId, workflowId, attempt, httpStatus, error, body });
      // The bank resends on 4xx and 5xx; any 2xx is an acknowledgement.
      if (httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300) return;
      if (Date.now() + interval > giveUpAt) {
        this.logger?.warn({ type, sessionId, attempt }, 'webhook delivery given up');
        return;
      }
      await this.sleep(interval);
      interval = Math.min(interval * 2, this.timing.retryMaxMs);
    }
  }
}
