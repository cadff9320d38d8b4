/** Russian bank-account facts from Bank 131's payout documentation, and how we read the bank's renderings of them. */

/** Account prefixes Bank 131 pays out to (individuals, sole proprietors, legal entities); others fail at the bank. */
export const PAYABLE_ACCOUNT_PREFIXES: readonly string[] = Object.freeze([
  '40817810',
  '42301810',
  '42302810',
  '42303810',
  '42304810',
  '42305810',
  '42306810',
  '42307810',
  '40802810',
  '40820810',
  '40702810',
]);

/** A Russian account number: 20 digits. */
export function isAccountNumber(account: string): boolean {
  return /^\d{20}$/.test(account);
}

/** Starts with a prefix Bank 131 pays out to; a payable account is an account number that does. */
export function hasPayablePrefix(account: string): boolean {
  return PAYABLE_ACCOUNT_PREFIXES.some((p) => account.startsWith(p));
}

export function isBik(bik: string): boolean {
  return /^\d{9}$/.test(bik);
}

/** Keeps the first 5 and last 4 digits, as tokenize's `masked_account` does (`40817***4312`). */
export function maskAccount(account: string): string {
  if (account.length <= 9) return '*'.repeat(account.length);
  return `${account.slice(0, 5)}***${account.slice(-4)}`;
}

/** What an account string shows: its leading and trailing digits around any mask (`*`, `x`, `•`, …). */
export interface VisibleDigits {
  prefix: string;
  suffix: string;
  /** No mask at all: every digit is shown. */
  full: boolean;
}

/** Reads any mask format: `40817***4312`, `40817*******4312`, `408178xxxxxxxxxx4312`, `****4312`, a full number. */
export function visibleDigits(account: string): VisibleDigits | undefined {
  const compact = account.replace(/[\s-]/g, '');
  if (/^\d+$/.test(compact)) return { prefix: compact, suffix: compact, full: true };
  const match = /^(\d*)\D+(\d*)$/.exec(compact);
  if (!match) return undefined;
  return { prefix: match[1] ?? '', suffix: match[2] ?? '', full: false };
}

/** Fewer trailing digits than this do not identify an account. */
const MIN_SUFFIX_DIGITS = 4;

/**
 * Whether two renderings of an account can be the same account: the digits both show agree, and each shows
 * enough of the end to identify it. `undefined` when either says too little to tell; `false` only on a
 * positive contradiction.
 */
export function accountsAgree(a: string, b: string): boolean | undefined {
  const x = visibleDigits(a);
  const y = visibleDigits(b);
  if (!x || !y) return undefined;
  if (x.full && y.full) return x.prefix === y.prefix;
  if (Math.min(x.suffix.length, y.suffix.length) < MIN_SUFFIX_DIGITS) return undefined;
  const agree = (p: string, q: string, at: 'start' | 'end') => {
    const n = Math.min(p.length, q.length);
    return at === 'start' ? p.slice(0, n) === q.slice(0, n) : p.slice(-n) === q.slice(-n);
  };
  return agree(x.prefix, y.prefix, 'start') && agree(x.suffix, y.suffix, 'end');
}
