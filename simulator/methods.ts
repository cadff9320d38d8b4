/**
 * The simulated bank's payout methods, modelled on their own (never the client's parsing): what an init's
 * `payment_method` may say (bank account by token, card by token or widget hash, SBP by phone and bank ID),
 * the fiscalization block of a self-employed payout, the SBP bank list and recipient directory, and the
 * wallet the payouts draw on.
 */
import { z } from 'zod';

/** Banks in the simulated SBP (`fps/banks`); IDs as the docs show them (`100000000069`). */
export const SBP_BANKS = [
  { id: '100000000069', eng_name: 'Bank 131', ru_name: 'Банк 131' },
  { id: '100000000111', eng_name: 'Sberbank', ru_name: 'Сбербанк' },
  { id: '100000000004', eng_name: 'T-Bank', ru_name: 'Т-Банк' },
  { id: '100000000008', eng_name: 'Alfa-Bank', ru_name: 'Альфа-Банк' },
] as const;

const RuAccount = z.object({
  system_type: z.literal('ru'),
  ru: z.object({
    token: z.string(),
    full_name: z.string().min(1),
    description: z.string().min(1).max(210),
    is_fast: z.boolean().optional(),
  }),
});
const Fps = z.object({
  system_type: z.literal('faster_payment_system'),
  faster_payment_system: z.object({
    phone: z.string().regex(/^7\d{10}$/),
    bank_id: z.string().min(1),
    description: z.string().min(1).max(140),
  }),
});
const Card = z.union([
  z.object({ type: z.literal('tokenized_card'), tokenized_card: z.object({ token: z.string().min(1) }) }),
  z.object({
    type: z.literal('encrypted_card'),
    encrypted_card: z.object({ number_hash: z.string().min(1) }),
  }),
]);
const PaymentMethod = z.union([
  z.object({ type: z.literal('bank_account'), bank_account: z.union([RuAccount, Fps]) }),
  z.object({ type: z.literal('card'), card: Card }),
]);
const Fiscalization = z.object({
  professional_income_taxpayer: z.object({
    tax_reference: z.string().regex(/^\d{12}$/),
    services: z
      .array(
        z.object({
          name: z.string().min(1),
          amount_details: z.object({ amount: z.number().int().positive(), currency: z.string() }),
          quantity: z.number().int().positive().optional(),
        }),
      )
      .min(1),
    payer_type: z.string().optional(),
    payer_tax_number: z.string().optional(),
    payer_name: z.string().optional(),
  }),
});

export const InitBody = z.object({
  payment_method: PaymentMethod,
  amount_details: z.object({ amount: z.number().int().positive(), currency: z.string() }),
  participant_details: z.object({ recipient: z.object({ full_name: z.string().min(1) }) }).optional(),
  fiscalization_details: Fiscalization.optional(),
  metadata: z.unknown().optional(),
});
export type InitBody = z.infer<typeof InitBody>;

export const VerificationBody = z.object({
  payment_method: z.object({
    type: z.literal('bank_account'),
    bank_account: z.object({
      system_type: z.literal('faster_payment_system_verification'),
      faster_payment_system_verification: z.object({ phone: z.string(), bank_id: z.string() }),
    }),
  }),
  participant_details: z.object({
    recipient: z.object({
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      middle_name: z.string().optional(),
    }),
  }),
});
export type VerificationBody = z.infer<typeof VerificationBody>;

/** How the money goes, as the bank keeps it. Cards are kept as brand and last 4, never a number. */
export type SimMethod =
  | { kind: 'card'; last4: string; brand: string; token?: string }
  | { kind: 'sbp'; phone: string; bankId: string; description: string };

/** A card the simulated vault knows: tokens and widget hashes map to it. */
export interface SimCard {
  last4: string;
  brand: string;
}

export interface SimReceipt {
  id: string;
  link: string;
}

/** What a receipt link looks like: the tax service's print page for the taxpayer's receipt. */
export function receiptFor(taxReference: string, n: number): SimReceipt {
  const id = `20${String(n).padStart(8, '0')}`;
  return { id, link: `https://lknpd.nalog.ru/api/v1/receipt/${taxReference}/${id}/print` };
}

export const isSbpBank = (id: string) => SBP_BANKS.some((b) => b.id === id);
