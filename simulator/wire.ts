/**
 * How the simulated bank spells its answers and webhooks for one payout. The real API has two versions, several
 * account masks and optional fields, and the docs are unsure about error bodies; each variant is one plausible
 * spelling, so a client tested against all of them does not depend on the one we guessed.
 */
import { z } from 'zod';
import { MASK_FORMATS, maskAccountNumber } from './accounts';
import { seededRandom } from './faults';
import type { SimMethod, SimReceipt } from './methods';

/** Every dimension and its values; the first value of each is what the simulator renders by default. */
export const WIRE_DIMENSIONS = {
  /** v1: `payments` / `payment_method`; v2: `payout_list` / `payout_details`. */
  version: ['v1', 'v2'],
  mask: MASK_FORMATS,
  token: ['present', 'absent'],
  fullName: ['present', 'absent'],
  /** `none`: neither token nor account in the payout details. */
  recipient: ['details', 'none'],
  /** The PHP SDK reads `error.code` on any HTTP >= 400, and its fixtures have no `"status":"error"`. */
  errorStyle: ['with_status', 'without_status'],
  numbersAsStrings: [false, true],
  /** `"is_fast":"false"`, as in a docs example. */
  stringBooleans: [false, true],
  /** Unknown fields on the session, the payout and the webhook envelope ("must be processed without errors"). */
  extraFields: [false, true],
  /** `amounts.fee.merchant_fee` and `transaction_info` on a succeeded payout. */
  finishExtras: [false, true],
  metadataOn: ['payout', 'session', 'both'],
  /** Authentic (signed) webhooks with an odd body. */
  webhookQuirk: ['none', 'amount_as_string', 'session_without_status', 'unknown_type_without_session'],
} as const;

type Dimensions = typeof WIRE_DIMENSIONS;
export type WireDimension = keyof Dimensions;
export type WireVariant = { -readonly [K in WireDimension]: Dimensions[K][number] };
export const WIRE_DIMENSION_NAMES = Object.keys(WIRE_DIMENSIONS) as WireDimension[];

export const DEFAULT_WIRE: WireVariant = Object.fromEntries(
  WIRE_DIMENSION_NAMES.map((d) => [d, WIRE_DIMENSIONS[d][0]]),
) as WireVariant;

/** Each dimension drawn independently and uniformly. */
export function randomVariant(random: () => number): WireVariant {
  return Object.fromEntries(
    WIRE_DIMENSION_NAMES.map((d) => {
      const values = WIRE_DIMENSIONS[d] as readonly unknown[];
      return [d, values[Math.floor(random() * values.length)]];
    }),
  ) as WireVariant;
}

/**
 * The variant a payout gets in random mode, from the run's seed and the payout's id (FNV-1a): the same for the
 * same seed whatever order concurrent payouts arrive in.
 */
export function drawnVariant(seed: number, workflowId: string): WireVariant {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (const char of workflowId) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return randomVariant(seededRandom(hash));
}

export const WireVariantPatchSchema = z
  .object({
    version: z.enum(WIRE_DIMENSIONS.version),
    mask: z.enum(WIRE_DIMENSIONS.mask),
    token: z.enum(WIRE_DIMENSIONS.token),
    fullName: z.enum(WIRE_DIMENSIONS.fullName),
    recipient: z.enum(WIRE_DIMENSIONS.recipient),
    errorStyle: z.enum(WIRE_DIMENSIONS.errorStyle),
    numbersAsStrings: z.boolean(),
    stringBooleans: z.boolean(),
    extraFields: z.boolean(),
    finishExtras: z.boolean(),
    metadataOn: z.enum(WIRE_DIMENSIONS.metadataOn),
    webhookQuirk: z.enum(WIRE_DIMENSIONS.webhookQuirk),
  })
  .strict()
  .partial();

export function resolveVariant(patch: Partial<WireVariant>): WireVariant {
  return { ...DEFAULT_WIRE, ...WireVariantPatchSchema.parse(patch) };
}

/** The bank's facts about a session, before any spelling is chosen. */
export interface WireSession {
  id: string;
  status: 'in_progress' | 'accepted' | 'cancelled' | 'error';
  nextAction?: 'confirm';
  createdAt: string;
  updatedAt: string;
  error?: { code: string; description: string };
  metadata: unknown;
  payout: WirePayout;
}

export interface WirePayout {
  id: string;
  status: 'in_progress' | 'pending' | 'succeeded' | 'failed';
  amount: number;
  currency: string;
  token: string;
  /** The full number; every rendering masks it. */
  account: string;
  fullName: string;
  description: string;
  isFast?: boolean;
  /** Card and SBP payouts: how the money goes (bank accounts leave it out). */
  method?: SimMethod;
  /** `participant_details.recipient.full_name` as the init sent it. */
  participantName?: string;
  /** Self-employed payouts: the taxpayer's INN, and the receipt once issued. */
  taxReference?: string;
  receipt?: SimReceipt;
  createdAt: string;
  finishedAt?: string;
  error?: { code: string; description: string };
  refunds: WireRefund[];
}

export interface WireRefund {
  id: string;
  status: 'accepted';
  createdAt: string;
  finishedAt: string;
  amount: number;
  currency: string;
}

const EXTRA = { added_by: 'bank131-simulator', note: 'a field this client does not know' };

function amountOf(amount: number, currency: string, v: WireVariant) {
  return { amount: v.numbersAsStrings ? String(amount) : amount, currency };
}

function renderRu(p: WirePayout, v: WireVariant): Record<string, unknown> {
  const withRecipient = v.recipient === 'details';
  const isFast = p.isFast ?? (v.stringBooleans ? false : undefined);
  return {
    ...(withRecipient && v.token === 'present' ? { token: p.token } : {}),
    ...(withRecipient ? { account: maskAccountNumber(p.account, v.mask) } : {}),
    ...(v.fullName === 'present' ? { full_name: p.fullName } : {}),
    description: p.description,
    ...(isFast === undefined ? {} : { is_fast: v.stringBooleans ? String(isFast) : isFast }),
  };
}

/** How the money goes, as the payout's details show it: a card (brand, last 4), SBP, or a bank account. */
function renderDetails(p: WirePayout, v: WireVariant): Record<string, unknown> {
  const withRecipient = v.recipient === 'details';
  if (p.method?.kind === 'card')
    return {
      type: 'card',
      card: {
        type: p.method.token ? 'tokenized_card' : 'encrypted_card',
        ...(withRecipient ? { brand: p.method.brand, last4: p.method.last4 } : {}),
      },
    };
  if (p.method?.kind === 'sbp')
    return {
      type: 'bank_account',
      bank_account: {
        system_type: 'faster_payment_system',
        faster_payment_system: {
          ...(withRecipient ? { phone: p.method.phone, bank_id: p.method.bankId } : {}),
          description: p.method.description,
        },
      },
    };
  return { type: 'bank_account', bank_account: { system_type: 'ru', ru: renderRu(p, v) } };
}

/** Digits taken from the payout id, so the same payout always reports the same RRN and auth code. */
function transactionInfo(payoutId: string) {
  const digits = payoutId.replace(/\D/g, '').padStart(12, '0');
  return { rrn: digits.slice(-12), auth_code: digits.slice(-6) };
}

function renderPayout(p: WirePayout, metadata: unknown, v: WireVariant): Record<string, unknown> {
  const finishExtras = v.finishExtras && p.status === 'succeeded';
  return {
    id: p.id,
    status: p.status,
    created_at: p.createdAt,
    ...(p.finishedAt ? { finished_at: p.finishedAt } : {}),
    [v.version === 'v1' ? 'payment_method' : 'payout_details']: renderDetails(p, v),
    ...(p.participantName && v.fullName === 'present'
      ? { participant_details: { recipient: { full_name: p.participantName } } }
      : {}),
    ...(p.taxReference
      ? {
          fiscalization_details: {
            professional_income_taxpayer: {
              tax_reference: p.taxReference,
              ...(p.receipt ? { receipt: p.receipt } : {}),
            },
          },
        }
      : {}),
    amount_details: amountOf(p.amount, p.currency, v),
    ...(v.metadataOn === 'session' ? {} : { metadata }),
    ...(p.error ? { error: p.error } : {}),
    ...(p.refunds.length > 0
      ? {
          refunds: p.refunds.map((r) => ({
            id: r.id,
            status: r.status,
            created_at: r.createdAt,
            finished_at: r.finishedAt,
            amount_details: amountOf(r.amount, r.currency, v),
          })),
        }
      : {}),
    ...(finishExtras
      ? {
          amounts: {
            fee: { merchant_fee: amountOf(Math.max(100, Math.round(p.amount / 100)), p.currency, v) },
          },
          transaction_info: transactionInfo(p.id),
        }
      : {}),
    ...(v.extraFields ? { unknown_payout_field: EXTRA } : {}),
  };
}

/** The session as the API returns it in this variant's spelling. */
export function renderSession(s: WireSession, v: WireVariant): Record<string, unknown> {
  return {
    id: s.id,
    status: s.status,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    ...(s.nextAction ? { next_action: s.nextAction } : {}),
    ...(s.error ? { error: s.error } : {}),
    [v.version === 'v1' ? 'payments' : 'payout_list']: [renderPayout(s.payout, s.metadata, v)],
    ...(v.metadataOn === 'payout' ? {} : { metadata: s.metadata }),
    ...(v.extraFields ? { unknown_session_field: EXTRA } : {}),
  };
}

/** The webhook body, with the variant's quirk applied. */
export function renderWebhook(type: string, s: WireSession, v: WireVariant): Record<string, unknown> {
  const session = renderSession(s, v);
  if (v.webhookQuirk === 'session_without_status') delete session.status;
  if (v.webhookQuirk === 'amount_as_string') {
    for (const payout of session[v.version === 'v1' ? 'payments' : 'payout_list'] as {
      amount_details: { amount: unknown };
    }[])
      payout.amount_details.amount = String(payout.amount_details.amount);
  }
  return { type, session, ...(v.extraFields ? { unknown_webhook_field: EXTRA } : {}) };
}

/** The extra webhook of the `unknown_type_without_session` quirk: a type the client has never heard of. */
export function renderUnknownWebhook(s: WireSession): Record<string, unknown> {
  return { type: 'something_new', data: { object_id: s.id, created_at: s.updatedAt } };
}

/** An error body in the variant's style. */
export function renderError(
  error: { code: string; description: string },
  v: Pick<WireVariant, 'errorStyle'>,
): Record<string, unknown> {
  return v.errorStyle === 'with_status' ? { status: 'error', error } : { error };
}
