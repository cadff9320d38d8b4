/**
 * The `session/init/payout` body for each recipient kind, with the SDK's field names (sources in
 * docs/bank131-assumptions.md, "Payout methods"). Pure: the activity sends what this returns.
 */
import type { Payee, Recipient, TaxpayerDetails } from '../workflows/messages';

export interface InitPayoutBody {
  payment_method: Record<string, unknown>;
  amount_details: { amount: number; currency: string };
  participant_details?: { recipient: { full_name: string } };
  fiscalization_details?: { professional_income_taxpayer: Record<string, unknown> };
  metadata: string;
}

export interface InitPayoutParams {
  recipient: Recipient;
  /** The bank-account token (tokenized account or the caller's token) for account and token payees. */
  accountToken?: string;
  description: string;
  amount: number;
  currency: string;
  metadata: string;
}

/** `payment_method` (v1 name; the SDK's createV1 moves `payout_details` there) for one payee. */
export function paymentMethodOf(payee: Payee, description: string, accountToken?: string) {
  switch (payee.kind) {
    case 'account':
    case 'token': {
      const token = accountToken ?? (payee.kind === 'token' ? payee.token : undefined);
      if (token === undefined) throw new Error('an account payout needs its token');
      return {
        type: 'bank_account',
        bank_account: { system_type: 'ru', ru: { token, full_name: payee.fullName, description } },
      };
    }
    case 'card':
      return {
        type: 'card',
        card:
          payee.token !== undefined
            ? { type: 'tokenized_card', tokenized_card: { token: payee.token } }
            : { type: 'encrypted_card', encrypted_card: { number_hash: payee.numberHash } },
      };
    case 'sbp':
      return {
        type: 'bank_account',
        bank_account: {
          system_type: 'faster_payment_system',
          faster_payment_system: { phone: payee.phone, bank_id: payee.bankId, description },
        },
      };
  }
}

export function professionalIncomeTaxpayer(t: TaxpayerDetails, currency: string): Record<string, unknown> {
  return {
    tax_reference: t.taxReference,
    services: t.services.map((s) => ({
      name: s.name,
      amount_details: { amount: s.amount, currency },
      quantity: s.quantity,
    })),
    ...(t.payerType ? { payer_type: t.payerType } : {}),
    ...(t.payerTaxNumber ? { payer_tax_number: t.payerTaxNumber } : {}),
    ...(t.payerName ? { payer_name: t.payerName } : {}),
  };
}

export function initPayoutBody(p: InitPayoutParams): InitPayoutBody {
  const payee: Payee =
    p.recipient.kind === 'selfEmployed'
      ? { ...p.recipient.payTo, fullName: p.recipient.fullName }
      : p.recipient;
  // The bank needs the recipient's name for cards (it is not in the card object) and, per the SDK's
  // fiscalization builder, for every self-employed payout; the account object carries it already.
  const nameOutside = payee.kind === 'card' || p.recipient.kind === 'selfEmployed';
  return {
    payment_method: paymentMethodOf(payee, p.description, p.accountToken),
    amount_details: { amount: p.amount, currency: p.currency },
    ...(nameOutside ? { participant_details: { recipient: { full_name: p.recipient.fullName } } } : {}),
    ...(p.recipient.kind === 'selfEmployed'
      ? {
          fiscalization_details: {
            professional_income_taxpayer: professionalIncomeTaxpayer(p.recipient.taxpayer, p.currency),
          },
        }
      : {}),
    metadata: p.metadata,
  };
}

/** `fps/customer_verification` (v1 spelling): is this phone registered in SBP at this bank, and under whom. */
export function sbpVerificationBody(phone: string, bankId: string, fullName: string) {
  const [lastName = '', firstName = '', ...rest] = fullName.split(' ');
  return {
    payment_method: {
      type: 'bank_account',
      bank_account: {
        system_type: 'faster_payment_system_verification',
        faster_payment_system_verification: { phone, bank_id: bankId },
      },
    },
    participant_details: {
      recipient: {
        first_name: firstName,
        last_name: lastName,
        ...(rest.length > 0 ? { middle_name: rest.join(' ') } : {}),
      },
    },
  };
}
