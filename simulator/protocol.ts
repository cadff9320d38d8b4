/**
 * The partner API as the simulator accepts it: the methods it serves, the request bodies (v1 field names) it
 * validates, and the answer shapes it produces (`{status:"ok", …}` / `{status:"error", error:{code, description}}`).
 */
import { z } from 'zod';
import { isBik, isPayableAccount } from '../bank131/accounts';

export const API_PREFIX = '/api/v1/';

export const ENDPOINTS = [
  'tokenize',
  'token/info',
  'session/init/payout',
  'session/confirm',
  'session/cancel',
  'session/status',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export function isEndpoint(path: string): path is Endpoint {
  return (ENDPOINTS as readonly string[]).includes(path);
}

/** Reads: the simulator does not hold them to an idempotency key (our client sends none for them). */
export const READ_ENDPOINTS: ReadonlySet<Endpoint> = new Set(['token/info', 'session/status']);

export const TokenizeBody = z.object({
  type: z.literal('bank_account_ru'),
  bank_account_ru: z.object({
    bik: z.string().refine(isBik, 'bik must be 9 digits'),
    account: z
      .string()
      .refine(
        isPayableAccount,
        'account must be 20 digits starting with 40817810, 42301810-42307810, 40802810, 40820810 or 40702810',
      ),
  }),
});

export const TokenInfoBody = z.object({
  type: z.literal('bank_account_ru'),
  bank_account_ru: z.object({ token: z.string().min(1) }),
});

export const InitPayoutBody = z.object({
  payment_method: z.object({
    type: z.literal('bank_account'),
    bank_account: z.object({
      system_type: z.literal('ru'),
      ru: z.object({
        token: z.string().min(1),
        full_name: z.string().trim().min(1),
        description: z
          .string()
          .trim()
          .min(1)
          .max(210)
          .refine((d) => !/[?!]/.test(d), 'description must not contain ? or !'),
      }),
    }),
  }),
  amount_details: z.object({
    amount: z.number().int().positive(),
    currency: z.literal('rub', 'payouts to Russian accounts are in rub'),
  }),
  metadata: z.unknown().optional(),
});
export type InitPayoutBody = z.infer<typeof InitPayoutBody>;

export const SessionIdBody = z.object({ session_id: z.string().min(1) });

export interface BankError {
  code: string;
  description: string;
}

/** What the bank answers: a JSON body with its HTTP status, or (confirm_response_lost) no answer at all. */
export type BankAnswer = { httpStatus: number; body: Record<string, unknown> } | { dropConnection: true };

export const ok = (body: Record<string, unknown>): BankAnswer => ({
  httpStatus: 200,
  body: { status: 'ok', ...body },
});

export const rejected = (httpStatus: number, code: string, description: string): BankAnswer => ({
  httpStatus,
  body: { status: 'error', error: { code, description } },
});

/** The first zod issue as the bank's `invalid_request` description. */
export function invalidRequest(error: z.ZodError): BankAnswer {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return rejected(400, 'invalid_request', `${where}${issue?.message ?? 'invalid request'}`);
}

export const IDEMPOTENCY_KEY_EXISTS = rejected(
  400,
  'idempotency_key_already_exists',
  'already in progress or processed',
);
