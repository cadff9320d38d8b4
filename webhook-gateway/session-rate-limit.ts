/**
 * Per-session rate limit: one Bank 131 session's webhooks reach Temporal at most `limit` times per window
 * (a token bucket, refilled evenly). Past it the gateway answers 429 with Retry-After and signals nothing:
 * the bank retries any non-2xx, so a legitimate webhook is delayed, never dropped, while a flood of distinct
 * captured bodies for one payout cannot exhaust its per-execution signal limit. Memory follows the sessions
 * seen in the last window: a bucket untouched for a whole window is full again, so forgetting it changes
 * nothing; and beyond `maxEntries` sessions the least recently seen are forgotten (a full bucket again).
 */

export interface SessionRateLimitOptions {
  /** Deliveries per session per window (the bucket's size). */
  limit: number;
  windowMs: number;
  maxEntries: number;
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class SessionRateLimiter {
  /** A Map keeps insertion order: re-inserting on use makes the first entry the least recently seen. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly refillPerMs: number;

  constructor(private readonly options: SessionRateLimitOptions) {
    this.now = options.now ?? Date.now;
    this.refillPerMs = options.limit / options.windowMs;
  }

  /** Takes one delivery for `sessionId`, or says when the next one will be allowed. */
  take(sessionId: string): RateDecision {
    const now = this.now();
    const previous = this.buckets.get(sessionId);
    const bucket: Bucket = previous
      ? {
          tokens: Math.min(this.options.limit, previous.tokens + (now - previous.at) * this.refillPerMs),
          at: now,
        }
      : { tokens: this.options.limit, at: now };
    this.buckets.delete(sessionId);
    this.buckets.set(sessionId, bucket);
    this.evict(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = (1 - bucket.tokens) / this.refillPerMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private evict(now: number): void {
    for (const [oldest, { at }] of this.buckets) {
      if (this.buckets.size <= this.options.maxEntries && now - at < this.options.windowMs) return;
      this.buckets.delete(oldest);
    }
  }
}
