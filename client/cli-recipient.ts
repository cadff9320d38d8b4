/**
 * The CLI's recipient flags → the `recipient` of a payout request. Builds the shape only; the request rules
 * (policy/recipients.ts) check it and report every problem at once.
 *
 *   account:       --bik B --account A --name N          token: --token T --name N
 *   card:          (--card-token T | --card-hash H) --last4 NNNN [--brand visa] --name N
 *   SBP:           --phone 79XXXXXXXXX --bank-id 1000000000NN --name N
 *   self-employed: any of the above plus --inn NNNNNNNNNNNN --service "name:amount[:quantity]" (repeatable)
 *                  [--payer-type legal|individual|foreign] [--payer-inn N] [--payer-name N]
 */
export const RECIPIENT_OPTIONS = {
  token: { type: 'string' },
  bik: { type: 'string' },
  account: { type: 'string' },
  'card-token': { type: 'string' },
  'card-hash': { type: 'string' },
  last4: { type: 'string' },
  brand: { type: 'string' },
  phone: { type: 'string' },
  'bank-id': { type: 'string' },
  name: { type: 'string' },
  inn: { type: 'string' },
  service: { type: 'string', multiple: true },
  'payer-type': { type: 'string' },
  'payer-inn': { type: 'string' },
  'payer-name': { type: 'string' },
} as const;

export type RecipientFlags = Partial<Record<Exclude<keyof typeof RECIPIENT_OPTIONS, 'service'>, string>> & {
  service?: string[];
};

export class RecipientFlagsError extends Error {}

function payeeFromFlags(v: RecipientFlags): Record<string, unknown> {
  const given = [
    v.token !== undefined && 'token',
    (v.bik !== undefined || v.account !== undefined) && 'account',
    (v['card-token'] !== undefined || v['card-hash'] !== undefined) && 'card',
    (v.phone !== undefined || v['bank-id'] !== undefined) && 'sbp',
  ].filter((k): k is string => typeof k === 'string');
  if (given.length > 1) throw new RecipientFlagsError(`give one way to pay, not ${given.join(' and ')}`);
  switch (given[0]) {
    case 'token':
      return { kind: 'token', token: v.token };
    case 'card':
      return {
        kind: 'card',
        ...(v['card-token'] !== undefined ? { token: v['card-token'] } : {}),
        ...(v['card-hash'] !== undefined ? { numberHash: v['card-hash'] } : {}),
        last4: v.last4 ?? '',
        ...(v.brand !== undefined ? { brand: v.brand } : {}),
      };
    case 'sbp':
      return { kind: 'sbp', phone: v.phone ?? '', bankId: v['bank-id'] ?? '' };
    default:
      return { kind: 'account', bik: v.bik ?? '', account: v.account ?? '' };
  }
}

/** `--service "Доставка:120000"` or `"Доставка:60000:2"`: the name may itself contain colons. */
function parseService(spec: string): Record<string, unknown> {
  const parts = spec.split(':');
  const numbers: number[] = [];
  while (parts.length > 1 && /^\d+$/.test(parts[parts.length - 1]!) && numbers.length < 2)
    numbers.unshift(Number(parts.pop()));
  if (numbers.length === 0)
    throw new RecipientFlagsError(`--service "${spec}": expected name:amount[:quantity]`);
  const [amount, quantity] = numbers;
  return { name: parts.join(':'), amount, ...(quantity !== undefined ? { quantity } : {}) };
}

export function recipientFromFlags(v: RecipientFlags): Record<string, unknown> {
  const fullName = v.name ?? '';
  const payee = payeeFromFlags(v);
  const selfEmployed = v.inn !== undefined || (v.service?.length ?? 0) > 0;
  if (!selfEmployed) return { ...payee, fullName };
  return {
    kind: 'selfEmployed',
    fullName,
    payTo: payee,
    taxpayer: {
      taxReference: v.inn ?? '',
      services: (v.service ?? []).map(parseService),
      ...(v['payer-type'] !== undefined ? { payerType: v['payer-type'] } : {}),
      ...(v['payer-inn'] !== undefined ? { payerTaxNumber: v['payer-inn'] } : {}),
      ...(v['payer-name'] !== undefined ? { payerName: v['payer-name'] } : {}),
    },
  };
}
