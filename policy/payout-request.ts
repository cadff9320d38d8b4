/**
 * What a valid payout request is, in one pure module: the client checks it before any workflow starts (so
 * a caller learns every problem at once), and the workflow checks it again before any bank call, so a
 * payout started by other means (the CLI, the UI, a stolen credential) cannot reach the bank with bad input.
 * Deterministic: no Node built-ins, safe in the workflow sandbox. The worker shares this module between
 * workflows (workers/workflows-entry.ts, `preloadModules`), so it keeps no state and exports no schema
 * object: the SDK deep-freezes a shared module's exports, and zod caches lazily on its schemas.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { z } from 'zod';
import { recipientProblems, recipientSchema } from './recipients';
import type { PolicyConfig } from './settings';
import type { PayoutRequest } from '../workflows/messages';

/** A hard ceiling independent of configuration: 10 billion roubles in kopecks. */
export const ABSOLUTE_MAX_AMOUNT = 1_000_000_000_000;

const PayoutRequestSchema = z.object({
  payoutId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters: letters, digits, . _ : -'),
  amount: z
    .number()
    .int('must be an integer number of kopecks')
    .positive('must be positive')
    .max(ABSOLUTE_MAX_AMOUNT, `must not exceed ${ABSOLUTE_MAX_AMOUNT}`),
  currency: z
    .string()
    .transform((c) => c.toLowerCase())
    .pipe(z.string().regex(/^[a-z]{3}$/, 'must be a 3-letter ISO code')),
  recipient: recipientSchema(),
  description: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(210, 'must be at most 210 characters (Bank 131 limit)')
    .refine((d) => !/[?!]/.test(d), { message: 'must not contain ? or ! (Bank 131 rule)' }),
});

export class InvalidPayoutRequestError extends Error {
  override readonly name = 'InvalidPayoutRequestError';
  constructor(readonly problems: string[]) {
    super(`invalid payout request:\n  ${problems.join('\n  ')}`);
  }
}

/** Validates shape, then the configured limits, so the caller learns every problem at once. */
export function parsePayoutRequest(input: unknown, policy?: PolicyConfig): PayoutRequest {
  const parsed = PayoutRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidPayoutRequestError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`),
    );
  }
  const request = parsed.data as PayoutRequest;
  const problems = recipientProblems(request.recipient, request.amount, request.description);
  if (problems.length > 0 && !policy) throw new InvalidPayoutRequestError(problems);
  if (policy) {
    if (!policy.currencies.includes(request.currency)) {
      problems.push(
        `currency: ${request.currency} is not allowed (allowed: ${policy.currencies.join(', ')})`,
      );
    }
    if (request.amount < policy.minAmount) problems.push(`amount: below the minimum of ${policy.minAmount}`);
    if (request.amount > policy.maxAmount) problems.push(`amount: above the limit of ${policy.maxAmount}`);
    if (problems.length > 0) throw new InvalidPayoutRequestError(problems);
  }
  return request;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the canonical request: the client stores it with the run, the workflow checks it. */
export function requestHash(request: PayoutRequest): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(request))));
}

export function payoutWorkflowId(payoutId: string): string {
  return `payout-${payoutId}`;
}
