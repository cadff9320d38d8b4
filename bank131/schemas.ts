/**
 * Zod schemas for the Bank 131 partner API (v1 field names) and its webhooks.
 * Tolerant by design: unknown fields pass through, and both v1 (`payments`, `payment_method`) and
 * v2 (`payout_list`, `payout_details`) spellings are accepted, because the bank adds fields without notice.
 */
import { z } from 'zod';

export const SESSION_STATUSES = ['created', 'in_progress', 'accepted', 'cancelled', 'error'] as const;
export const PAYOUT_STATUSES = ['pending', 'in_progress', 'succeeded', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export type BankPayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const BankErrorSchema = z.looseObject({
  code: z.string(),
  description: z.string().optional(),
});

export const AmountDetailsSchema = z.looseObject({
  amount: z.number().int(),
  currency: z.string(),
});

export const BankAccountRuSchema = z.looseObject({
  bik: z.string().optional(),
  account: z.string().optional(),
  token: z.string().optional(),
  full_name: z.string().optional(),
  description: z.string().optional(),
  is_fast: z.boolean().optional(),
  inn: z.string().optional(),
  kpp: z.string().optional(),
});

export const PaymentMethodSchema = z.looseObject({
  type: z.string(),
  bank_account: z
    .looseObject({
      system_type: z.string().optional(),
      ru: BankAccountRuSchema.optional(),
    })
    .optional(),
});

export const RefundSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  created_at: z.string().optional(),
  finished_at: z.string().optional(),
  amount_details: AmountDetailsSchema.optional(),
});

export const PayoutSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  created_at: z.string().optional(),
  finished_at: z.string().optional(),
  payment_method: PaymentMethodSchema.optional(),
  payout_details: PaymentMethodSchema.optional(),
  amount_details: AmountDetailsSchema.optional(),
  metadata: z.unknown().optional(),
  error: BankErrorSchema.optional(),
  refunds: z.array(RefundSchema).optional(),
});

export const SessionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  next_action: z.string().optional(),
  payments: z.array(PayoutSchema).optional(),
  payout_list: z.array(PayoutSchema).optional(),
  error: BankErrorSchema.optional(),
  metadata: z.unknown().optional(),
});
export type RawSession = z.infer<typeof SessionSchema>;
export type RawPayout = z.infer<typeof PayoutSchema>;

// ---- Requests (what we send) ----

export interface TokenizeRequest {
  type: 'bank_account_ru';
  bank_account_ru: { bik: string; account: string };
}

export interface TokenInfoRequest {
  type: 'bank_account_ru';
  bank_account_ru: { token: string };
}

export interface InitPayoutRequest {
  payment_method: {
    type: 'bank_account';
    bank_account: { system_type: 'ru'; ru: { token: string; full_name: string; description: string } };
  };
  amount_details: { amount: number; currency: string };
  /** Our workflow ID: returned by the bank in responses and every webhook, so the gateway can route. */
  metadata: string;
}

export interface SessionIdRequest {
  session_id: string;
}

// ---- Responses (what the bank returns) ----

export const ErrorResponseSchema = z.looseObject({
  status: z.literal('error'),
  error: BankErrorSchema,
});

export const TokenizeResponseSchema = z.looseObject({
  status: z.literal('ok'),
  token: z.string().min(1),
  data: z.looseObject({ masked_account: z.string().optional() }).optional(),
});

export const TokenInfoResponseSchema = z.looseObject({
  status: z.literal('ok'),
  info: z.looseObject({
    type: z.string().optional(),
    bank_account_ru: z
      .looseObject({ masked_account: z.string().optional(), bik: z.string().optional() })
      .optional(),
  }),
});

export const SessionResponseSchema = z.looseObject({
  status: z.literal('ok'),
  session: SessionSchema,
});

// ---- Webhooks (what the bank sends us) ----

export const WEBHOOK_TYPES = [
  'ready_to_confirm',
  'payment_finished',
  'payment_refunded',
  'action_required',
  'ready_to_capture',
  'confirmation_payout',
] as const;

export const WebhookSchema = z.looseObject({
  type: z.string().min(1),
  session: SessionSchema,
});
export type Webhook = z.infer<typeof WebhookSchema>;
