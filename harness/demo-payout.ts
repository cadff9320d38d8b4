/** The payout `npm start`, the benchmark and the tests send: 1 500.00 RUB to a test account. */
export const DEMO_RECIPIENT = {
  kind: 'account',
  bik: '049205131',
  account: '40817810099910004312',
  fullName: 'Иванов Иван Иванович',
} as const;

export function demoPayoutRequest(payoutId: string, amount = 150_000) {
  return {
    payoutId,
    amount,
    currency: 'rub',
    recipient: DEMO_RECIPIENT,
    description: 'Выплата по договору 42',
  };
}
