/** A valid account payout request as a caller sends it (untrimmed name, upper-case currency): unit tests' input. */
export const VALID_ACCOUNT_REQUEST = {
  payoutId: 'order-2026-0001',
  amount: 150_000,
  currency: 'RUB',
  recipient: {
    kind: 'account',
    bik: '049205131',
    account: '40817810099910004312',
    fullName: '  Иванов  Иван ',
  },
  description: 'Выплата по договору 42',
} as const;
