/** Russian bank-account facts from Bank 131's payout documentation, shared by our client and the simulator. */

/** Account prefixes Bank 131 pays out to (individuals, sole proprietors, legal entities); others fail at the bank. */
export const PAYABLE_ACCOUNT_PREFIXES: readonly string[] = [
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

export function isPayableAccount(account: string): boolean {
  return /^\d{20}$/.test(account) && PAYABLE_ACCOUNT_PREFIXES.some((p) => account.startsWith(p));
}

export function isBik(bik: string): boolean {
  return /^\d{9}$/.test(bik);
}
