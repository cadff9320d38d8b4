/**
 * The bank's own account rules, written from Bank 131's payout documentation and kept apart from our client's
 * copy on purpose: if both sides shared one function, a wrong rule would pass every test.
 */

/** "If the account begins with another number, the payout will fail." (individuals, sole proprietors, legal entities) */
const PAYABLE_PREFIXES = [
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
];

export function isValidBik(bik: string): boolean {
  return /^\d{9}$/.test(bik);
}

export function isPayableAccountNumber(account: string): boolean {
  return /^\d{20}$/.test(account) && PAYABLE_PREFIXES.some((p) => account.startsWith(p));
}

/** How the bank hides an account number; the first is what it renders unless a wire variant says otherwise. */
export const MASK_FORMATS = ['short', 'full', 'six_four', 'x', 'bullet', 'last4'] as const;
export type MaskFormat = (typeof MASK_FORMATS)[number];

/**
 * `short` 40817***4312 (the documented example), `full` 40817*******4312 (full length), `six_four`
 * 408178**********4312, `x` 40817xxxxxxxxxxx4312, `bullet` 40817•••4312, `last4` ****4312.
 */
export function maskAccountNumber(account: string, format: MaskFormat = 'short'): string {
  const last4 = account.slice(-4);
  const hidden = (head: number, char: string) =>
    `${account.slice(0, head)}${char.repeat(Math.max(0, account.length - head - 4))}${last4}`;
  switch (format) {
    case 'short':
      return `${account.slice(0, 5)}***${last4}`;
    case 'full':
      return hidden(5, '*');
    case 'six_four':
      return hidden(6, '*');
    case 'x':
      return hidden(5, 'x');
    case 'bullet':
      return `${account.slice(0, 5)}•••${last4}`;
    case 'last4':
      return `****${last4}`;
  }
}
