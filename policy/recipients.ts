/**
 * Recipient kinds: their input rules (zod, every problem reported at once) and how each is identified in the
 * bank's `ready_to_confirm`, as pure functions. Deterministic: safe in the workflow sandbox.
 * Sources for every rule: docs/bank131-assumptions.md ("Payout methods").
 */
import { z } from 'zod';
import { hasPayablePrefix, isAccountNumber, isBik, PAYABLE_ACCOUNT_PREFIXES } from '../bank131/accounts';
import type { CardRecipient, Payee, Recipient, SbpRecipient } from '../workflows/messages';

const fullName = z
  .string()
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .pipe(z.string().min(1, 'must not be empty').max(255));

/** Luhn-valid 13-19 digits (spaces and dashes ignored): a card number, which we never accept or keep. */
export function looksLikePan(value: string): boolean {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const PAN_REFUSED = 'a raw card number (PAN) is refused: send the card token or the widget number hash';
/** A key a PAN would arrive under: refused whatever it holds, so no card number enters our history. */
const panKey = z.never({ error: PAN_REFUSED }).optional();
const cardSecret = (what: string) =>
  z
    .string()
    .refine((s) => !looksLikePan(s), PAN_REFUSED)
    .refine(
      (s) => looksLikePan(s) || /^[A-Za-z0-9_+/=.:-]{16,2048}$/.test(s),
      `must be the ${what} Bank 131 issued`,
    )
    .optional();

const tokenPayee = z.object({
  kind: z.literal('token'),
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be the token Bank 131 issued (16-256 letters/digits)'),
});
const accountPayee = z.object({
  kind: z.literal('account'),
  bik: z.string().refine(isBik, 'must be 9 digits'),
  // A payable account: both rules (bank131/accounts.ts), one message each.
  account: z
    .string()
    .refine(isAccountNumber, 'must be 20 digits')
    .refine(hasPayablePrefix, `must start with one of ${PAYABLE_ACCOUNT_PREFIXES.join(', ')}`),
});
const cardPayee = z.object({
  kind: z.literal('card'),
  token: cardSecret('card token'),
  numberHash: cardSecret('number hash'),
  last4: z.string().regex(/^\d{4}$/, 'must be the last 4 digits of the card (token/info shows them)'),
  brand: z
    .string()
    .transform((b) => b.trim().toLowerCase())
    .pipe(z.string().regex(/^[a-z0-9_ -]{2,20}$/, 'must be a card brand such as visa or mir'))
    .optional(),
  number: panKey,
  pan: panKey,
  cardNumber: panKey,
  card_number: panKey,
});
const sbpPayee = z.object({
  kind: z.literal('sbp'),
  phone: z
    .string()
    .transform((p) => p.replace(/[\s()+-]/g, ''))
    .pipe(z.string().regex(/^7\d{10}$/, 'must be a Russian mobile number: 11 digits starting with 7')),
  bankId: z.string().regex(/^\d{12}$/, 'must be the 12-digit SBP bank ID from fps/banks'),
});

const withName = <T extends z.ZodObject>(schema: T) => schema.extend({ fullName });

const taxpayer = z.object({
  taxReference: z.string().regex(/^\d{12}$/, "must be the self-employed person's INN: 12 digits"),
  services: z
    .array(
      z.object({
        name: z.string().trim().min(1, 'must not be empty').max(255),
        amount: z.number().int('must be an integer number of kopecks').positive('must be positive'),
        quantity: z.number().int().positive('must be positive').default(1),
      }),
    )
    .min(1, 'at least one service for the receipt'),
  payerType: z.enum(['legal', 'individual', 'foreign']).optional(),
  payerTaxNumber: z
    .string()
    .regex(/^\d{10}(\d{2})?$/, 'must be an INN: 10 or 12 digits')
    .optional(),
  payerName: z.string().trim().min(1).max(255).optional(),
});

const RecipientSchema = z.discriminatedUnion('kind', [
  withName(tokenPayee),
  withName(accountPayee),
  withName(cardPayee),
  withName(sbpPayee),
  z.object({
    kind: z.literal('selfEmployed'),
    fullName,
    payTo: z.discriminatedUnion('kind', [tokenPayee, accountPayee, cardPayee, sbpPayee]),
    taxpayer,
  }),
]);

/**
 * The recipient's shape, for policy/payout-request.ts. A function, not an exported schema: the worker shares
 * this module between workflows and the SDK deep-freezes a shared module's exports (they would stop zod's
 * lazy caches); it never calls a function to reach what it returns.
 */
export function recipientSchema(): typeof RecipientSchema {
  return RecipientSchema;
}

/** Rules that span fields: run after the shape is known to be right. */
export function recipientProblems(recipient: Recipient, amount: number, description: string): string[] {
  const problems: string[] = [];
  const payee = payeeOf(recipient);
  const at = recipient.kind === 'selfEmployed' ? 'recipient.payTo' : 'recipient';
  if (payee.kind === 'card' && (payee.token === undefined) === (payee.numberHash === undefined))
    problems.push(`${at}.token: give exactly one of token and numberHash`);
  // SBP's purpose field is shorter than the account one.
  if (payee.kind === 'sbp' && description.length > 140)
    problems.push('description: must be at most 140 characters for an SBP payout (Bank 131 limit)');
  if (recipient.kind === 'selfEmployed') {
    const total = recipient.taxpayer.services.reduce((sum, s) => sum + s.amount, 0);
    if (total !== amount)
      problems.push(
        `recipient.taxpayer.services: amounts add up to ${total}, not the payout amount ${amount}`,
      );
    if (recipient.taxpayer.payerType === 'legal' && !recipient.taxpayer.payerTaxNumber)
      problems.push('recipient.taxpayer.payerTaxNumber: required when payerType is legal');
  }
  return problems;
}

/** Who is paid and how: the recipient itself, or a self-employed person's payout details with their name. */
export function payeeOf(recipient: Recipient): Payee {
  return recipient.kind === 'selfEmployed' ? { ...recipient.payTo, fullName: recipient.fullName } : recipient;
}

/** A short description of the recipient for logs, events and the status: never a secret or a full number. */
export function describeRecipient(recipient: Recipient): string {
  const payee = payeeOf(recipient);
  const prefix = recipient.kind === 'selfEmployed' ? 'self-employed, ' : '';
  switch (payee.kind) {
    case 'account':
      return `${prefix}account ${payee.account.slice(0, 5)}***${payee.account.slice(-4)}`;
    case 'token':
      return `${prefix}account token`;
    case 'card':
      return `${prefix}card ${payee.brand ?? ''}${payee.brand ? ' ' : ''}*${payee.last4}`;
    case 'sbp':
      return `${prefix}SBP ${maskPhone(payee.phone)} at bank ${payee.bankId}`;
  }
}

export function maskPhone(phone: string): string {
  return phone.length < 8 ? phone : `${phone.slice(0, 4)}***${phone.slice(-4)}`;
}

// ---- identification in ready_to_confirm ----

/** What the bank shows about the recipient (bank131/session.ts reads it from the payout details). */
export interface BankRecipientView {
  token?: string;
  maskedAccount?: string;
  cardLast4?: string;
  cardBrand?: string;
  sbpPhone?: string;
  sbpBankId?: string;
}

export interface Identification {
  /** The bank showed something that positively identifies our recipient. */
  identified: boolean;
  checks: string[];
  violations: string[];
}

/**
 * Phones as the bank may show them: full (`79680000000`, `+7 968 000-00-00`) or masked (`7968***0000`).
 * `false` only when digits both show disagree; `undefined` when a mask hides too much to tell.
 */
export function phonesAgree(bank: string, ours: string): boolean | undefined {
  const compact = bank.replace(/[\s()+-]/g, '');
  if (/^\d+$/.test(compact)) return compact === ours;
  const match = /^(\d*)\D+(\d*)$/.exec(compact);
  if (!match) return undefined;
  const [prefix, suffix] = [match[1] ?? '', match[2] ?? ''];
  if (!ours.startsWith(prefix) || !ours.endsWith(suffix)) return false;
  return suffix.length >= 4 ? true : undefined;
}

/** Card: last 4 digits must match, and the brand when both sides state one. */
export function identifyCard(card: CardRecipient, bank: BankRecipientView): Identification {
  const out: Identification = { identified: false, checks: [], violations: [] };
  if (bank.cardLast4 !== undefined) {
    const last4 = bank.cardLast4.replace(/\D/g, '').slice(-4);
    if (last4 === card.last4) {
      out.identified = true;
      out.checks.push('card last 4 digits match');
    } else out.violations.push(`card ending ${last4 || bank.cardLast4} is not ours (*${card.last4})`);
  }
  if (bank.cardBrand !== undefined && card.brand !== undefined) {
    if (bank.cardBrand.trim().toLowerCase() === card.brand) out.checks.push('card brand matches');
    else out.violations.push(`card brand ${bank.cardBrand} differs from ${card.brand}`);
  }
  if (bank.token !== undefined && card.token !== undefined) {
    if (bank.token === card.token) {
      out.identified = true;
      out.checks.push('card token matches');
    } else out.violations.push('card token differs from ours');
  }
  return out;
}

/** SBP: phone and bank ID; a bank ID that differs is a contradiction, a masked phone may say too little. */
export function identifySbp(sbp: SbpRecipient, bank: BankRecipientView): Identification {
  const out: Identification = { identified: false, checks: [], violations: [] };
  let phoneOk: boolean | undefined;
  if (bank.sbpPhone !== undefined) {
    phoneOk = phonesAgree(bank.sbpPhone, sbp.phone);
    if (phoneOk === false) out.violations.push(`phone ${maskPhone(bank.sbpPhone)} is not ours`);
    else if (phoneOk) out.checks.push('SBP phone matches');
  }
  if (bank.sbpBankId !== undefined) {
    if (bank.sbpBankId === sbp.bankId) out.checks.push('SBP bank matches');
    else out.violations.push(`SBP bank ${bank.sbpBankId} is not ours (${sbp.bankId})`);
  }
  // Both must be stated and agree: the same phone at another bank is another account.
  out.identified = phoneOk === true && bank.sbpBankId === sbp.bankId;
  return out;
}

// ---- SBP recipient check (fps/customer_verification) ----

/**
 * Whether the name the bank's check returned can be ours: every word it shows is one of our words, or an
 * initial (`И.`) of one. `unclear` when it shows nothing to compare.
 */
export function namesAgree(bank: string, ours: string): 'match' | 'mismatch' | 'unclear' {
  const words = (s: string) =>
    s
      .normalize('NFC')
      .toLocaleLowerCase('ru-RU')
      .replace(/ё/g, 'е')
      .split(/[\s,]+/)
      .filter((w) => w.length > 0);
  const theirs = words(bank);
  const mine = words(ours);
  if (theirs.length === 0) return 'unclear';
  const matches = (w: string) => {
    const initial = /^(\p{L})\.?$/u.exec(w);
    return initial ? mine.some((m) => m.startsWith(initial[1]!)) : mine.includes(w.replace(/\.$/, ''));
  };
  return theirs.every(matches) ? 'match' : 'mismatch';
}

export type SbpVerdict =
  | { verdict: 'verified' | 'name_mismatch'; name?: string }
  | { verdict: 'not_registered'; detail?: string }
  | { verdict: 'pending' };

/**
 * The verification session's answer: a succeeded check names the person SBP knows for the phone at that
 * bank; a cancelled or failed one means the phone is not registered there.
 */
export function sbpVerdict(
  s: {
    status: string;
    payout?: { status: string; recipientFullName?: string; errorCode?: string };
    errorCode?: string;
  },
  fullName: string,
): SbpVerdict {
  const payoutStatus = s.payout?.status;
  if (s.status === 'cancelled' || payoutStatus === 'failed')
    return { verdict: 'not_registered', detail: s.payout?.errorCode ?? s.errorCode };
  if (s.status !== 'accepted' && payoutStatus !== 'succeeded') return { verdict: 'pending' };
  const name = s.payout?.recipientFullName;
  if (name === undefined) return { verdict: 'verified' };
  return { verdict: namesAgree(name, fullName) === 'mismatch' ? 'name_mismatch' : 'verified', name };
}
