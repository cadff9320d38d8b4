/** Transport faults the simulated bank injects on its API, reproducibly (seeded). */
import { z } from 'zod';

export const FAULT_KINDS = [
  'http_500',
  'http_503',
  'http_429',
  'timeout',
  'reset',
  'slow',
  'garbage',
  /** Processed by the bank, then the connection is dropped before the answer. */
  'lost_response',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FaultRuleSchema = z.object({
  /** An API path after /api/v1/, e.g. `session/confirm`, or `*`. */
  endpoint: z.string().min(1),
  kind: z.enum(FAULT_KINDS),
  /** Fires at most this many times (unlimited when omitted). */
  times: z.number().int().positive().optional(),
  /** Chance per matching request (1 when omitted). */
  probability: z.number().min(0).max(1).optional(),
  /** For `timeout` (then the socket is destroyed) and `slow` (then the request is processed). */
  delayMs: z.number().int().nonnegative().optional(),
  /** Only requests of this payout. */
  workflowId: z.string().optional(),
});
export type FaultRule = z.infer<typeof FaultRuleSchema>;

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

  /** The fault to apply to this request, if any; counts it as fired. */
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
