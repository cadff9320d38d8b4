/** The CLI's recipient flags for each payout method, checked by the same request rules as the client. */
import { describe, expect, it } from 'vitest';
import { RecipientFlagsError, recipientFromFlags } from '../../client/cli-recipient';
import { parsePayoutRequest } from '../../policy/payout-request';

const parse = (recipient: Record<string, unknown>, amount = 110_000) =>
  parsePayoutRequest({ payoutId: 'p-1', amount, currency: 'rub', recipient, description: 'Выплата' })
    .recipient;

describe('CLI recipient flags', () => {
  it('SBP: --phone and --bank-id', () => {
    expect(
      parse(
        recipientFromFlags({ phone: '+7 926 123-45-67', 'bank-id': '100000000111', name: 'Петров Пётр' }),
      ),
    ).toEqual({
      kind: 'sbp',
      phone: '79261234567',
      bankId: '100000000111',
      fullName: 'Петров Пётр',
    });
  });

  it('card: --card-token or --card-hash with --last4 and --brand', () => {
    expect(
      parse(
        recipientFromFlags({
          'card-hash': 'aGFzaC1mcm9tLXRoZS13aWRnZXQ=',
          last4: '0019',
          brand: 'MIR',
          name: 'A B',
        }),
      ),
    ).toEqual({
      kind: 'card',
      numberHash: 'aGFzaC1mcm9tLXRoZS13aWRnZXQ=',
      last4: '0019',
      brand: 'mir',
      fullName: 'A B',
    });
  });

  it('self-employed: --inn and repeated --service, paid by any method', () => {
    const r = parse(
      recipientFromFlags({
        bik: '049205131',
        account: '40817810099910004312',
        name: 'Петров Пётр',
        inn: '123456789012',
        service: ['Доставка: срочная:100000', 'Сборка:10000:2'],
      }),
    );
    expect(r).toMatchObject({
      kind: 'selfEmployed',
      payTo: { kind: 'account', bik: '049205131' },
      taxpayer: {
        taxReference: '123456789012',
        services: [
          { name: 'Доставка: срочная', amount: 100_000, quantity: 1 },
          { name: 'Сборка', amount: 10_000, quantity: 2 },
        ],
      },
    });
  });

  it('refuses two ways to pay at once, and a service without an amount', () => {
    expect(() => recipientFromFlags({ phone: '79261234567', 'card-token': 'x' })).toThrow(
      RecipientFlagsError,
    );
    expect(() => recipientFromFlags({ phone: '79261234567', inn: '1', service: ['Доставка'] })).toThrow(
      /expected name:amount/,
    );
  });
});
