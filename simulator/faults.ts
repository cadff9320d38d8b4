/**
 * Transport faults the simulated bank injects on its API, reproducibly (seeded). All but `slow` stop the
 * request before the bank processes it, so its idempotency key stays unused.
 */
import { z } from 'zod';
import { ENDPOINTS, isEndpoint } from './protocol';

export const FAULT_KINDS = [
  'http_500',
  'http_503',
  'http_429',
  'timeout',
  'reset',
  'slow',
  'garbage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FaultRuleSchema = z.object({
  /** An API method (the path after /api/v1/), e.g. `session/confirm`, or `*` for all. */
  endpoint: z
    .string()
    .refine((e) => e === '*' || isEndpoint(e), `endpoint must be '*' or one of ${ENDPOINTS.join(', ')}`),
  kind: z.enum(FAULT_KINDS),
  /** Fires at most this many times (unlimited when omitted). */
  times: z.number().int().positive().optional(),
  /** Chance per matching request (1 when omitted). */
  probability: z.number().min(0).max(1).optional(),
  /** For `timeout` (then the socket is destroyed; default 15 s) and `slow` (then the request is processed; default 2 s). */
  delayMs: z.number().int().nonnegative().optional(),
  /** Only requests of this payout. */
  workflowId: z.string().optional(),
});
export type FaultRule = z.infer<typeof FaultRuleSchema>;

export const DEFAULT_TIMEOUT_FAULT_MS = 15_000;
export const DEFAULT_SLOW_FAULT_MS = 2_000;

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private rules: { rule: FaultRule; fired: number }[] = [];
  constructor(private readonly random: () => number) {}

  add(rule: FaultRule): void {
    this.rules.push({ rule: FaultRuleSchema.parse(rule), fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The fault to apply to this request, if any; counts it as fired. The PRNG is drawn only for rules that
   * match, so the same requests in the same order meet the same faults.
   */
  pick(endpoint: string, workflowId: string | undefined): FaultRule | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.endpoint !== '*' && rule.endpoint !== endpoint) continue;
      if (rule.workflowId !== undefined && rule.workflowId !== workflowId) continue;
      if (rule.times !== undefined && entry.fired >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      entry.fired += 1;
      return rule;
    }
    return undefined;
  }
}
