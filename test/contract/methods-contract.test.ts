/**
 * Contract bodies for the payout methods (issue 15), each written by hand from a cited source: what we send
 * (compared with what bank131/payout-details.ts builds) and what the bank sends (parsed by the client's
 * schemas). Sources: developer.131.ru pages and the official PHP SDK at SDK_COMMIT.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initPayoutBody, sbpVerificationBody } from '../../bank131/payout-details';
import {
  FpsBankSchema,
  FpsBanksResponseSchema,
  readList,
  SessionResponseSchema,
  WalletBalanceResponseSchema,
  WalletSchema,
  WebhookSchema,
} from '../../bank131/schemas';
import { toSessionSnapshot } from '../../bank131/session-read';
import { SDK_COMMIT } from './corpus';

const sdk = (p: string) => `bank131/php-sdk@${SDK_COMMIT}:${p}`;
const body = (file: string): unknown =>
  JSON.parse(readFileSync(path.join(__dirname, 'bodies', file), 'utf8')) as unknown;

/** Every body with where it comes from; `guess` marks a shape no source shows whole. */
const SOURCES: Record<string, { sources: string[]; guess?: string }> = {
  'req-init-payout-sbp.json': {
    sources: [
      'https://developer.131.ru/en/payouts/payout-fps-phone',
      sdk('src/DTO/BankAccount/BankAccountFPS.php'),
    ],
  },
  'req-init-payout-card-token.json': {
    sources: [
      'https://developer.131.ru/en/payouts/payout-tokenized-card',
      sdk('src/DTO/Card/TokenizedCard.php'),
      sdk('src/DTO/Participant.php'),
    ],
  },
  'req-init-payout-card-hash.json': {
    sources: ['https://developer.131.ru/en/payouts/payout-widget', sdk('src/DTO/Card/EncryptedCard.php')],
  },
  'req-init-payout-self-employed.json': {
    sources: [
      'https://developer.131.ru/en/selfemployed/selfemployed-fiscalization',
      sdk('src/DTO/ProfessionalIncomeTaxpayer.php'),
      sdk('src/DTO/FiscalizationService.php'),
      sdk('src/API/Request/Builder/Session/Payout/InitPayoutSessionWithFiscalizationRequestBuilder.php'),
    ],
  },
  'req-fps-verification.json': {
    sources: [
      sdk('src/API/Request/Fps/FpsVerificationRequest.php'),
      'https://developer.smart-glocal.com/docs/reference/methods/fps-verification',
    ],
  },
  'res-fps-verification-sdk.json': { sources: [sdk('tests/Unit/API/FpsApiTest.php')] },
  'res-fps-banks-guess.json': {
    sources: [sdk('src/API/Response/Fps/FpsBanksListResponse.php'), sdk('src/DTO/FpsBank.php')],
    guess: 'the SDK shows the fields, no source shows a whole answer',
  },
  'res-wallet-balance-sdk.json': { sources: [sdk('tests/Unit/API/WalletApiTest.php')] },
  'wh-ready-to-confirm-sbp.json': {
    sources: [
      'https://developer.131.ru/en/payouts/payout-fps-phone',
      'https://developer.131.ru/en/reference/webhooks',
    ],
    guess: 'the payout details echo the init request, as for accounts',
  },
  'wh-ready-to-confirm-card.json': {
    sources: [sdk('src/DTO/PaymentMethod/CardPaymentMethod.php'), sdk('src/DTO/Payout.php')],
    guess: 'brand and last4 on the card object, as the SDK DTO has them',
  },
  'wh-payment-finished-self-employed.json': {
    sources: [
      sdk('src/DTO/Payout.php'),
      sdk('src/DTO/FiscalizationDetails.php'),
      sdk('src/DTO/FiscalizationReceipt.php'),
    ],
    guess: 'receipt under fiscalization_details.professional_income_taxpayer, as the SDK DTOs nest it',
  },
};

describe('payout methods contract: the bodies', () => {
  it.each(Object.entries(SOURCES))('%s is JSON and cites a source', (file, entry) => {
    expect(() => body(file)).not.toThrow();
    for (const s of entry.sources) expect(s).toMatch(/^(https:\/\/|bank131\/php-sdk@[0-9a-f]{40}:)/);
  });
});

describe('payout methods contract: what we send', () => {
  const common = { amount: 10_000, currency: 'rub' };

  it('SBP init equals the documented example', () => {
    const sent = initPayoutBody({
      ...common,
      recipient: { kind: 'sbp', phone: '79680000000', bankId: '100000000069', fullName: 'Ivanov Ivan' },
      description: 'Wire for agreement № 5015553111 Ivanov Ivan Ivanovich VAT exempt',
      metadata: 'payout-sbp-1/run-tag',
    });
    expect(sent).toEqual(body('req-init-payout-sbp.json'));
  });

  it('card init by token and by widget hash', () => {
    const card = { kind: 'card', last4: '4242', fullName: 'Ivanov Ivan' } as const;
    expect(
      initPayoutBody({
        ...common,
        recipient: { ...card, token: '759c9852dde2211d7531b3d905c1d513fbfb914bee87fb567' },
        description: 'x',
        metadata: 'payout-card-1/run-tag',
      }),
    ).toEqual(body('req-init-payout-card-token.json'));
    expect(
      initPayoutBody({
        ...common,
        recipient: { ...card, numberHash: 'bnVtYmVyLWhhc2gtZnJvbS10aGUtd2lkZ2V0' },
        description: 'x',
        metadata: 'payout-card-2/run-tag',
      }),
    ).toEqual(body('req-init-payout-card-hash.json'));
  });

  it('self-employed init carries the documented fiscalization block', () => {
    expect(
      initPayoutBody({
        ...common,
        recipient: {
          kind: 'selfEmployed',
          fullName: 'Petrov Petr',
          payTo: { kind: 'sbp', phone: '79261234567', bankId: '100000000111' },
          taxpayer: {
            taxReference: '123456789012',
            services: [
              { name: 'Goods delivery', amount: 5000, quantity: 1 },
              { name: 'Component delivery', amount: 5000, quantity: 1 },
            ],
            payerType: 'legal',
            payerTaxNumber: '3316004777',
            payerName: 'OOO Vector',
          },
        },
        description: 'Goods delivery',
        metadata: 'payout-se-1/run-tag',
      }),
    ).toEqual(body('req-init-payout-self-employed.json'));
  });

  it('SBP recipient check', () => {
    expect(sbpVerificationBody('79261234567', '100000000069', 'Ivanov Ivan Ivanovich')).toEqual(
      body('req-fps-verification.json'),
    );
  });
});

describe('payout methods contract: what the bank sends', () => {
  it('SBP ready_to_confirm: phone and bank ID', () => {
    const s = toSessionSnapshot(WebhookSchema.parse(body('wh-ready-to-confirm-sbp.json')).session);
    expect(s.payout).toMatchObject({
      recipientSbp: { phone: '79680000000', bankId: '100000000069' },
      amount: 10_000,
    });
  });

  it('card ready_to_confirm: last4, brand and the participant name', () => {
    const s = toSessionSnapshot(WebhookSchema.parse(body('wh-ready-to-confirm-card.json')).session);
    expect(s.payout).toMatchObject({
      recipientCard: { last4: '4242', brand: 'visa' },
      recipientFullName: 'Ivanov Ivan',
    });
  });

  it('self-employed payment_finished: the receipt id and link', () => {
    const s = toSessionSnapshot(WebhookSchema.parse(body('wh-payment-finished-self-employed.json')).session);
    expect(s.payout?.receipt).toEqual({
      id: '200abc1234',
      link: 'https://lknpd.nalog.ru/api/v1/receipt/123456789012/200abc1234/print',
    });
  });

  it('SBP verification answer (SDK fixture): the name as last, first, middle', () => {
    const s = toSessionSnapshot(SessionResponseSchema.parse(body('res-fps-verification-sdk.json')).session);
    expect(s).toMatchObject({ sessionId: 'ps_3230', status: 'in_progress' });
    expect(s.payout).toMatchObject({
      recipientFullName: 'Ivanov Ivan Ivanovich',
      recipientSbp: { phone: '79261234567' },
    });
  });

  it('fps/banks: entries read one by one, an entry without id dropped', () => {
    const banks = readList(
      FpsBankSchema,
      FpsBanksResponseSchema.parse(body('res-fps-banks-guess.json')).banks,
    );
    expect(banks.map((b) => b.id)).toEqual(['100000000069', '100000000111']);
  });

  it('wallet/balance (SDK fixture)', () => {
    const wallets = readList(
      WalletSchema,
      WalletBalanceResponseSchema.parse(body('res-wallet-balance-sdk.json')).wallets,
    );
    expect(wallets).toEqual([{ id: '131', amount_details: { amount: 13_100, currency: 'rub' } }]);
  });
});
