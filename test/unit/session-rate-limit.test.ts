import { describe, expect, it } from 'vitest';
import { SessionRateLimiter } from '../../webhook-gateway/session-rate-limit';

function limiter(limit: number, windowMs: number, maxEntries = 100) {
  let now = 0;
  const l = new SessionRateLimiter({ limit, windowMs, maxEntries, now: () => now });
  return { l, advance: (ms: number) => void (now += ms) };
}

describe('SessionRateLimiter', () => {
  it('lets `limit` deliveries through per session, then says when to come back', () => {
    const { l } = limiter(3, 60_000);
    expect([1, 2, 3].map(() => l.take('ps_1').allowed)).toEqual([true, true, true]);
    expect(l.take('ps_1')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    expect(l.take('ps_2').allowed).toBe(true);
  });

  it('refills evenly over the window', () => {
    const { l, advance } = limiter(3, 3_000);
    for (let i = 0; i < 3; i++) l.take('s');
    expect(l.take('s')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    advance(1_000);
    expect(l.take('s').allowed).toBe(true);
    expect(l.take('s').allowed).toBe(false);
    advance(60_000);
    expect([1, 2, 3, 4].map(() => l.take('s').allowed)).toEqual([true, true, true, false]);
  });

  it('a refused attempt costs nothing', () => {
    const { l, advance } = limiter(1, 1_000);
    l.take('s');
    for (let i = 0; i < 10; i++) expect(l.take('s').allowed).toBe(false);
    advance(1_000);
    expect(l.take('s').allowed).toBe(true);
  });

  it('remembers at most maxEntries sessions, forgetting the least recently seen', () => {
    const { l } = limiter(1, 60_000, 2);
    l.take('a');
    l.take('b');
    l.take('a'); // a is now the most recent
    l.take('c'); // b is forgotten
    expect(l.size).toBe(2);
    expect(l.take('a').allowed).toBe(false);
    expect(l.take('b').allowed).toBe(true);
  });

  it('forgets a session once a whole window has passed since its last delivery: its bucket is full again, so nothing is lost', () => {
    const { l, advance } = limiter(2, 60_000);
    l.take('a');
    l.take('a');
    l.take('b');
    advance(30_000);
    l.take('c');
    expect(l.size).toBe(3);
    advance(30_000); // a and b idle a whole window; c only half
    l.take('d');
    expect(l.size).toBe(2);
    // a comes back with a full bucket, exactly as if it had been remembered
    expect([1, 2, 3].map(() => l.take('a').allowed)).toEqual([true, true, false]);
  });

  it('a session refused at its limit is remembered until its bucket has refilled', () => {
    const { l, advance } = limiter(1, 60_000);
    l.take('a');
    advance(59_000);
    expect(l.take('a').allowed).toBe(false); // 59 s of refill: not yet a whole delivery
    advance(1_000);
    l.take('z');
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
  });
});
