/**
 * `node --expose-gc -r tsx/cjs bench/gateway-cache-memory.ts [entries] [sessionsPerWindow]`: the heap the
 * gateway's two bounded caches hold, as a soak fills them. The replay guard is filled with `entries`
 * distinct bodies (a webhook's size); the session rate limiter with `entries` sessions arriving at the
 * soak's pace (`sessionsPerWindow` new sessions per rate window, 1 200 ≈ 20 payouts/s), so only the
 * sessions of the last window stay. Prints bytes per entry after full collections; memory targets live
 * here, not in timed tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ReplayGuard } from '../webhook-gateway/replay-guard';
import { SessionRateLimiter } from '../webhook-gateway/session-rate-limit';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc -r tsx/cjs bench/gateway-cache-memory.ts');

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const entries = Number(process.argv[2] ?? 50_000);
  const sessionsPerWindow = Number(process.argv[3] ?? 1_200);
  let now = Date.now();
  const clock = () => now;
  const windowMs = 60_000;
  const replays = new ReplayGuard({ windowMs: 15 * 60_000, maxEntries: entries, now: clock });
  const rates = new SessionRateLimiter({ limit: 20, windowMs, maxEntries: entries, now: clock });

  const before = heapUsed();
  for (let i = 0; i < entries; i++) await replays.once(randomBytes(700), () => Promise.resolve('signalled'));
  const afterReplays = heapUsed();
  for (let i = 0; i < entries; i++) {
    now += windowMs / sessionsPerWindow;
    // A session ID as the gateway gets it: a fresh string out of JSON.parse.
    const { id } = JSON.parse(`{"id":"ps_${randomUUID()}"}`) as { id: string };
    rates.take(id);
    rates.take(id);
  }
  const afterRates = heapUsed();

  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(
    `replay guard: ${replays.size} bodies, ${mb(afterReplays - before)} MiB, ` +
      `${Math.round((afterReplays - before) / replays.size)} B per body`,
  );
  console.log(
    `session rate limiter: ${entries} sessions seen, ${rates.size} remembered, ${mb(afterRates - afterReplays)} MiB`,
  );
}

void main();
