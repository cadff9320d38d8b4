/**
 * A captured signed webhook replayed many times must not become many signals: each signal is a history
 * event, and Temporal caps signals per execution, so a flood could stop a payout from hearing real
 * webhooks. Identical authentic bodies are therefore delivered once per gateway within a window; copies
 * answer 200 without reaching Temporal (the first one is already held there, so nothing is lost). Copies
 * arriving while the first is still being delivered wait for it and share its fate, so a failure (503)
 * still makes the bank retry. Only bodies whose signature verified are remembered.
 */
import { createHash } from 'node:crypto';

export interface ReplayGuardOptions {
  /** How long a delivered body is remembered. */
  windowMs: number;
  /** At most this many bodies remembered; the oldest are forgotten first. */
  maxEntries: number;
  now?: () => number;
}

export class ReplayGuard {
  /**
   * Body digest → when it is forgotten; a Map keeps insertion order, so the first entry is the oldest.
   * Sized for the soak (up to `maxEntries` for a whole window): the key is the raw SHA-256 as a 32-char
   * one-byte string (not 64 hex chars) and the time is in ms since the guard began, a small integer V8
   * stores in the entry itself rather than as a boxed number for the process's first ~12 days (boxed after
   * that, still correct; `bench/gateway-cache-memory.ts`).
   */
  private readonly delivered = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly clock: () => number;
  private readonly origin: number;

  constructor(private readonly options: ReplayGuardOptions) {
    this.clock = options.now ?? Date.now;
    this.origin = this.clock();
  }

  private now(): number {
    return this.clock() - this.origin;
  }

  /** Runs `deliver` for the first copy of `raw`; later copies get `replay: true` and no delivery. */
  async once(raw: Buffer, deliver: () => Promise<string>): Promise<{ outcome: string; replay: boolean }> {
    const key = createHash('sha256').update(raw).digest('binary');
    const forgetAt = this.delivered.get(key);
    if (forgetAt !== undefined && forgetAt > this.now()) return { outcome: 'replayed_body', replay: true };
    const pending = this.inFlight.get(key);
    if (pending) {
      await pending;
      return { outcome: 'replayed_body', replay: true };
    }
    const delivery = deliver();
    this.inFlight.set(key, delivery);
    try {
      const outcome = await delivery;
      this.remember(key);
      return { outcome, replay: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  get size(): number {
    return this.delivered.size;
  }

  private remember(key: string): void {
    this.delivered.delete(key);
    this.delivered.set(key, this.now() + this.options.windowMs);
    for (const [oldest, forgetAt] of this.delivered) {
      if (this.delivered.size <= this.options.maxEntries && forgetAt > this.now()) break;
      this.delivered.delete(oldest);
    }
  }
}
