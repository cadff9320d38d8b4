/**
 * Zod schemas for the Bank 131 partner API and its webhooks, written as tolerant readers:
 * - unknown fields pass through; v1 (`payments`, `payment_method`) and v2 (`payout_list`, `payout_details`)
 *   spellings are both read;
 * - numbers may arrive as strings and booleans as `"true"`/`"false"`;
 * - a field we cannot read becomes `undefined` instead of failing the whole body (`.catch`), so one odd field
 *   never hides the session's ID or status. Decisions treat a missing fact as unverified, never as a match.
 * Only a session's `id` is required: without it nothing can be attributed to a payout.
 */
import { z } from 'zod';

export { PAYOUT_STATUSES, SESSION_STATUSES, type BankPayoutStatus, type SessionStatus } from './statuses';

/** An integer, or a string holding one. */
const int = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
/** A boolean, or the strings `"true"`/`"false"` (seen in the bank's own examples). */
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
/** An identifier: a string, or a number the bank's older examples use. */
const id = z.union([z.string().min(1), z.number().transform(String)]);
const text = z.string();

/** Optional and forgiving: anything unreadable becomes undefined. */
function maybe<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

export const BankErrorSchema = z.looseObject({
  code: z.string().min(1),
  description: maybe(text),
  reject_reasons: maybe(z.array(z.unknown())),
});

const AmountDetailsSchema = z.looseObject({ amount: maybe(int), currency: maybe(text) });

const BankAccountRuSchema = z.looseObject({
  bik: maybe(text),
  account: maybe(text),
  token: maybe(text),
  full_name: maybe(text),
  description: maybe(text),
  is_fast: maybe(bool),
  inn: maybe(text),
  kpp: maybe(text),
});

/** SBP details, as sent (`faster_payment_system`) or as the verification session shows them. */
const FpsSchema = z.looseObject({ phone: maybe(text), bank_id: maybe(id), description: maybe(text) });

/** A card as the bank shows it: `brand` and `last4` on the card object (SDK CardPaymentMethod). */
const CardSchema = z.looseObject({
  type: maybe(text),
  brand: maybe(text),
  last4: maybe(z.union([text, z.number().transform(String)])),
  tokenized_card: maybe(z.looseObject({ token: maybe(text) })),
});

const PaymentMethodSchema = z.looseObject({
  type: maybe(text),
  bank_account: maybe(
    z.looseObject({
      system_type: maybe(text),
      ru: maybe(BankAccountRuSchema),
      faster_payment_system: maybe(FpsSchema),
      faster_payment_system_verification: maybe(FpsSchema),
    }),
  ),
  card: maybe(CardSchema),
});

const ParticipantSchema = z.looseObject({
  full_name: maybe(text),
  first_name: maybe(text),
  last_name: maybe(text),
  middle_name: maybe(text),
});

/** The receipt of a self-employed payout (SDK ProfessionalIncomeTaxpayer.receipt: `id`, `link`). */
const FiscalizationSchema = z.looseObject({
  professional_income_taxpayer: maybe(
    z.looseObject({ receipt: maybe(z.looseObject({ id: maybe(id), link: maybe(text) })) }),
  ),
});

const RefundSchema = z.looseObject({
  id,
  status: maybe(text),
  created_at: maybe(text),
  finished_at: maybe(text),
  amount_details: maybe(AmountDetailsSchema),
});

const TransactionInfoSchema = z.looseObject({ rrn: maybe(text), auth_code: maybe(text) });

export const PayoutSchema = z.looseObject({
  id: maybe(id),
  status: maybe(text),
  created_at: maybe(text),
  finished_at: maybe(text),
  payment_method: maybe(PaymentMethodSchema),
  payout_details: maybe(PaymentMethodSchema),
  amount_details: maybe(AmountDetailsSchema),
  amounts: maybe(z.looseObject({ fee: maybe(z.looseObject({ merchant_fee: maybe(AmountDetailsSchema) })) })),
  transaction_info: maybe(TransactionInfoSchema),
  participant_details: maybe(z.looseObject({ recipient: maybe(ParticipantSchema) })),
  fiscalization_details: maybe(FiscalizationSchema),
  metadata: z.unknown().optional(),
  error: maybe(BankErrorSchema),
  refunds: maybe(z.array(z.unknown())),
});

export const SessionSchema = z.looseObject({
  id,
  status: maybe(text),
  created_at: maybe(text),
  updated_at: maybe(text),
  next_action: maybe(text),
  payments: maybe(z.array(z.unknown())),
  payout_list: maybe(z.array(z.unknown())),
  error: maybe(BankErrorSchema),
  metadata: z.unknown().optional(),
});
export type RawSession = z.infer<typeof SessionSchema>;
export type RawPayout = z.infer<typeof PayoutSchema>;
export type RawRefund = z.infer<typeof RefundSchema>;

/** Payouts and refunds are read one by one: an unreadable entry is dropped, not the whole session. */
export function readList<T extends z.ZodType>(schema: T, items: unknown[] | undefined): z.output<T>[] {
  const out: z.output<T>[] = [];
  for (const item of items ?? []) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}
export { RefundSchema };

// ---- Requests (what we send) ----

export interface TokenizeRequest {
  type: 'bank_account_ru';
  bank_account_ru: { bik: string; account: string };
}

export interface InitPayoutRequest {
  payment_method: {
    type: 'bank_account';
    bank_account: { system_type: 'ru'; ru: { token: string; full_name: string; description: string } };
  };
  amount_details: { amount: number; currency: string };
  /** `<workflowId>/<run tag>`: returned in responses and webhooks, so the gateway can route and we can verify. */
  metadata: string;
}

// ---- Responses (what the bank returns) ----

export const TokenizeResponseSchema = z.looseObject({
  token: z.string().min(1),
  data: maybe(z.looseObject({ masked_account: maybe(text) })),
});

/** `token/info` for bank-account tokens is undocumented: read the masked account wherever it plausibly is. */
export const TokenInfoResponseSchema = z.looseObject({
  info: maybe(
    z.looseObject({
      masked_account: maybe(text),
      account: maybe(text),
      bank_account_ru: maybe(z.looseObject({ masked_account: maybe(text), account: maybe(text) })),
      bank_account: maybe(z.looseObject({ ru: maybe(z.looseObject({ account: maybe(text) })) })),
    }),
  ),
});

export const SessionResponseSchema = z.looseObject({ session: SessionSchema });

/** `fps/banks`: `banks[]` of `{id, eng_name, ru_name}` (SDK FpsBanksListResponse, FpsBank); entries read one by one. */
export const FpsBankSchema = z.looseObject({ id, eng_name: maybe(text), ru_name: maybe(text) });
export const FpsBanksResponseSchema = z.looseObject({ banks: z.array(z.unknown()) });

/** `wallet/balance`: `wallets[]` of `{id, amount_details}` (SDK WalletBalanceResponse, WalletDetails). */
export const WalletSchema = z.looseObject({ id: maybe(id), amount_details: maybe(AmountDetailsSchema) });
export const WalletBalanceResponseSchema = z.looseObject({ wallets: z.array(z.unknown()) });

// ---- Webhooks (what the bank sends us) ----

/** Every webhook type the bank documents; `WEBHOOK_SIGNAL_TYPES` (workflows/messages.ts) are the ones a payout acts on. */
export type WebhookType =
  | 'ready_to_confirm'
  | 'payment_finished'
  | 'payment_refunded'
  | 'action_required'
  | 'ready_to_capture'
  | 'confirmation_payout';

export const WebhookSchema = z.looseObject({
  type: z.string().min(1),
  session: SessionSchema,
});
export type Webhook = z.infer<typeof WebhookSchema>;
