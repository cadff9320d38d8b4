/** Transport faults the simulated bank injects on its API, reproducibly (seeded). */
import { z } from 'zod';

/** Faults a client must ride out on every endpoint: the fault suite expects each to end in a paid payout. */
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

/**
 * Answers a client cannot take at face value: a WAF page, an empty 4xx, JSON without `status` or `error`, a
 * business code nobody documented. Kept apart from FAULT_KINDS because a 4xx is not always retryable; tests
 * opt in to them, usually with `afterProcessing` to hide a request the bank did process.
 */
export const ANSWER_FAULT_KINDS = [
  /** 403 with an HTML page, as a web application firewall in front of the API answers. */
  'http_403_html',
  /** 400 with an empty body. */
  'http_4xx_empty',
  /** 409 with a JSON body that has neither `status` nor `error`. */
  'http_409_no_status',
  /** 400 `session_already_confirmed`, a code not in the documented list, in the payout's error style. */
  'unknown_business_code',
] as const;

export const ALL_FAULT_KINDS = [...FAULT_KINDS, ...ANSWER_FAULT_KINDS] as const;
export type FaultKind = (typeof ALL_FAULT_KINDS)[number];

export const FaultRuleSchema = z.object({
  /** An API path after /api/v1/, e.g. `session/confirm`, or `*`. */
  endpoint: z.string().min(1),
  kind: z.enum(ALL_FAULT_KINDS),
  /** Fires at most this many times (unlimited when omitted). */
  times: z.number().int().positive().optional(),
  /** Chance per matching request (1 when omitted). */
  probability: z.number().min(0).max(1).optional(),
  /** For `timeout` (then the socket is destroyed) and `slow` (then the request is processed). */
  delayMs: z.number().int().nonnegative().optional(),
  /** Only requests of this payout. */
  workflowId: z.string().optional(),
  /**
   * The bank processes the request first, then the fault replaces its answer (`lost_response` always works
   * so). The idempotency key is consumed, and a confirm moves the money.
   */
  afterProcessing: z.boolean().optional(),
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
