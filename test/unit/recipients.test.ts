/**
 * Recipient kinds (issue 15): input rules, init bodies with the SDK's field names, and how each kind is
 * identified in ready_to_confirm. Pure functions, no server.
 */
import { describe, expect, it } from 'vitest';
import { initPayoutBody, sbpVerificationBody } from '../../bank131/payout-details';
import { toSessionSnapshot } from '../../bank131/session-read';
import { SessionSchema } from '../../bank131/schemas';
import { decidePayout } from '../../policy/payout-policy';
import { InvalidPayoutRequestError, parsePayoutRequest } from '../../policy/payout-request';
import {
  describeRecipient,
  identifyCard,
  identifySbp,
  looksLikePan,
  namesAgree,
  phonesAgree,
  sbpVerdict,
} from '../../policy/recipients';
import type { CardRecipient, PayoutRequest, SbpRecipient } from '../../workflows/messages';

const base = { payoutId: 'p-1', amount: 150_000, currency: 'rub', description: 'Выплата по договору 42' };
const sbp = {
  kind: 'sbp',
  phone: '+7 968 000-00-00',
  bankId: '100000000069',
  fullName: 'Иванов Иван Иванович',
};
const card = {
  kind: 'card',
  token: 'tok_' + 'a'.repeat(28),
  last4: '4242',
  brand: 'Visa',
  fullName: 'Ivan Ivanov',
};
const taxpayer = {
  taxReference: '123456789012',
  services: [
    { name: 'Доставка', amount: 100_000 },
    { name: 'Сборка', amount: 50_000 },
  ],
  payerType: 'legal',
  payerTaxNumber: '3316004777',
  payerName: 'OOO Vector',
};

function problemsOf(input: unknown): string[] {
  try {
    parsePayoutRequest(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPayoutRequestError);
    return (err as InvalidPayoutRequestError).problems;
  }
  return [];
}

describe('recipient input rules', () => {
  it('accepts each kind and normalizes it', () => {
    const s = parsePayoutRequest({ ...base, recipient: sbp });
    expect(s.recipient).toEqual({ ...sbp, phone: '79680000000' });
    const c = parsePayoutRequest({ ...base, recipient: card });
    expect(c.recipient).toMatchObject({ kind: 'card', last4: '4242', brand: 'visa' });
    const h = parsePayoutRequest({
      ...base,
      recipient: { kind: 'card', numberHash: 'Zm9vYmFyYmF6cXV4cXV1eA==', last4: '1111', fullName: 'A B' },
    });
    expect(h.recipient).toMatchObject({ kind: 'card', numberHash: 'Zm9vYmFyYmF6cXV4cXV1eA==' });
    const se = parsePayoutRequest({
      ...base,
      recipient: {
        kind: 'selfEmployed',
        fullName: 'Петров Пётр',
        payTo: { kind: 'sbp', phone: '79261234567', bankId: '100000000069' },
        taxpayer,
      },
    });
    expect(se.recipient).toMatchObject({
      kind: 'selfEmployed',
      taxpayer: { services: [{ quantity: 1 }, { quantity: 1 }] },
    });
  });

  it('reports every SBP problem at once: phone, bank ID, name, and the 140-character purpose', () => {
    expect(
      problemsOf({ ...base, recipient: { kind: 'sbp', phone: '8968000000', bankId: '69', fullName: ' ' } }),
    ).toEqual([
      'recipient.phone: must be a Russian mobile number: 11 digits starting with 7',
      'recipient.bankId: must be the 12-digit SBP bank ID from fps/banks',
      'recipient.fullName: must not be empty',
    ]);
    expect(problemsOf({ ...base, description: 'x'.repeat(141), recipient: sbp })).toEqual([
      'description: must be at most 140 characters for an SBP payout (Bank 131 limit)',
    ]);
  });

  it('refuses a raw card number clearly, wherever it is put', () => {
    const pan = '4111 1111 1111 1111';
    expect(looksLikePan(pan)).toBe(true);
    expect(looksLikePan('4111111111111112')).toBe(false);
    const refused = /a raw card number \(PAN\) is refused/;
    expect(problemsOf({ ...base, recipient: { ...card, token: pan } })).toEqual([
      expect.stringMatching(refused),
    ]);
    expect(
      problemsOf({ ...base, recipient: { ...card, token: undefined, numberHash: '4111111111111111' } }),
    ).toEqual([expect.stringMatching(/^recipient.numberHash: a raw card number/)]);
    expect(problemsOf({ ...base, recipient: { ...card, number: '4111111111111111' } })).toEqual([
      expect.stringMatching(/^recipient.number: a raw card number/),
    ]);
  });

  it('requires a card name, last 4 digits, and exactly one of token and numberHash', () => {
    expect(problemsOf({ ...base, recipient: { kind: 'card', last4: '42', fullName: '' } })).toEqual([
      'recipient.last4: must be the last 4 digits of the card (token/info shows them)',
      'recipient.fullName: must not be empty',
    ]);
    expect(problemsOf({ ...base, recipient: { kind: 'card', last4: '4242', fullName: 'A B' } })).toEqual([
      'recipient.token: give exactly one of token and numberHash',
    ]);
  });

  it('checks the taxpayer details of a self-employed payout', () => {
    const recipient = {
      kind: 'selfEmployed',
      fullName: 'Петров Пётр',
      payTo: { kind: 'account', bik: '049205131', account: '40817810099910004312' },
      taxpayer: { ...taxpayer, taxReference: '1234', services: [{ name: 'Доставка', amount: 1_000 }] },
    };
    expect(problemsOf({ ...base, recipient })).toEqual([
      "recipient.taxpayer.taxReference: must be the self-employed person's INN: 12 digits",
    ]);
    const fixedInn = {
      ...recipient,
      taxpayer: { ...recipient.taxpayer, taxReference: '123456789012', payerTaxNumber: undefined },
    };
    expect(problemsOf({ ...base, recipient: fixedInn })).toEqual([
      'recipient.taxpayer.services: amounts add up to 1000, not the payout amount 150000',
      'recipient.taxpayer.payerTaxNumber: required when payerType is legal',
    ]);
  });

  it('describes a recipient without secrets or full numbers', () => {
    expect(describeRecipient(parsePayoutRequest({ ...base, recipient: sbp }).recipient)).toBe(
      'SBP 7968***0000 at bank 100000000069',
    );
    expect(describeRecipient(parsePayoutRequest({ ...base, recipient: card }).recipient)).toBe(
      'card visa *4242',
    );
  });
});

describe('init bodies (SDK field names)', () => {
  const common = { description: 'Выплата', amount: 150_000, currency: 'rub', metadata: 'payout-p-1/tag' };

  it('SBP: bank_account / faster_payment_system with phone, bank_id and description', () => {
    const recipient = parsePayoutRequest({ ...base, recipient: sbp }).recipient;
    expect(initPayoutBody({ ...common, recipient })).toEqual({
      payment_method: {
        type: 'bank_account',
        bank_account: {
          system_type: 'faster_payment_system',
          faster_payment_system: { phone: '79680000000', bank_id: '100000000069', description: 'Выплата' },
        },
      },
      amount_details: { amount: 150_000, currency: 'rub' },
      metadata: 'payout-p-1/tag',
    });
  });

  it('card: tokenized_card or encrypted_card.number_hash, and the name in participant_details', () => {
    const byToken = initPayoutBody({ ...common, recipient: card as CardRecipient });
    expect(byToken.payment_method).toEqual({
      type: 'card',
      card: { type: 'tokenized_card', tokenized_card: { token: card.token } },
    });
    expect(byToken.participant_details).toEqual({ recipient: { full_name: 'Ivan Ivanov' } });
    const byHash = initPayoutBody({
      ...common,
      recipient: { kind: 'card', numberHash: 'hash-from-widget-123', last4: '1111', fullName: 'A B' },
    });
    expect(byHash.payment_method).toEqual({
      type: 'card',
      card: { type: 'encrypted_card', encrypted_card: { number_hash: 'hash-from-widget-123' } },
    });
  });

  it('self-employed: the payee body plus fiscalization_details.professional_income_taxpayer', () => {
    const recipient = parsePayoutRequest({
      ...base,
      recipient: {
        kind: 'selfEmployed',
        fullName: 'Петров Пётр',
        payTo: { kind: 'token', token: 'a'.repeat(32) },
        taxpayer,
      },
    }).recipient;
    const body = initPayoutBody({ ...common, recipient });
    expect(body.payment_method).toMatchObject({
      bank_account: { system_type: 'ru', ru: { token: 'a'.repeat(32), full_name: 'Петров Пётр' } },
    });
    expect(body.participant_details).toEqual({ recipient: { full_name: 'Петров Пётр' } });
    expect(body.fiscalization_details).toEqual({
      professional_income_taxpayer: {
        tax_reference: '123456789012',
        services: [
          { name: 'Доставка', amount_details: { amount: 100_000, currency: 'rub' }, quantity: 1 },
          { name: 'Сборка', amount_details: { amount: 50_000, currency: 'rub' }, quantity: 1 },
        ],
        payer_type: 'legal',
        payer_tax_number: '3316004777',
        payer_name: 'OOO Vector',
      },
    });
  });

  it('SBP verification: faster_payment_system_verification and the name split as last, first, middle', () => {
    expect(sbpVerificationBody('79261234567', '100000000069', 'Ivanov Ivan Ivanovich')).toEqual({
      payment_method: {
        type: 'bank_account',
        bank_account: {
          system_type: 'faster_payment_system_verification',
          faster_payment_system_verification: { phone: '79261234567', bank_id: '100000000069' },
        },
      },
      participant_details: {
        recipient: { first_name: 'Ivan', last_name: 'Ivanov', middle_name: 'Ivanovich' },
      },
    });
  });
});

describe('identifying the recipient in ready_to_confirm', () => {
  const ourSbp: SbpRecipient = { kind: 'sbp', phone: '79680000000', bankId: '100000000069', fullName: 'x' };
  const ourCard: CardRecipient = {
    kind: 'card',
    token: 't'.repeat(20),
    last4: '4242',
    brand: 'visa',
    fullName: 'x',
  };

  it('SBP: phone (full or masked) and bank ID must both agree', () => {
    expect(phonesAgree('+7 (968) 000-00-00', '79680000000')).toBe(true);
    expect(phonesAgree('7968***0000', '79680000000')).toBe(true);
    expect(phonesAgree('7968***0001', '79680000000')).toBe(false);
    expect(phonesAgree('7968*******', '79680000000')).toBeUndefined();
    expect(identifySbp(ourSbp, { sbpPhone: '79680000000', sbpBankId: '100000000069' })).toMatchObject({
      identified: true,
      violations: [],
    });
    expect(identifySbp(ourSbp, { sbpPhone: '79680000000', sbpBankId: '100000000004' })).toMatchObject({
      identified: false,
      violations: ['SBP bank 100000000004 is not ours (100000000069)'],
    });
    expect(identifySbp(ourSbp, { sbpPhone: '79680000000' })).toMatchObject({
      identified: false,
      violations: [],
    });
  });

  it('card: last 4 digits identify; another brand or ending contradicts', () => {
    expect(identifyCard(ourCard, { cardLast4: '4242', cardBrand: 'VISA' })).toMatchObject({
      identified: true,
      violations: [],
    });
    expect(identifyCard(ourCard, { cardLast4: '424242******4243' })).toMatchObject({
      identified: false,
      violations: ['card ending 4243 is not ours (*4242)'],
    });
    expect(identifyCard(ourCard, { cardLast4: '4242', cardBrand: 'mir' }).violations).toEqual([
      'card brand mir differs from visa',
    ]);
  });

  it('the policy confirms an SBP payout the bank shows as ours, and cancels one at another bank', () => {
    const request: PayoutRequest = { ...base, recipient: { ...ourSbp, fullName: 'Иванов Иван' } };
    const ready = (bankId: string) =>
      toSessionSnapshot(
        SessionSchema.parse({
          id: 'ps_1',
          status: 'in_progress',
          next_action: 'confirm',
          payout_list: [
            {
              id: 'po_1',
              status: 'pending',
              payout_details: {
                type: 'bank_account',
                bank_account: {
                  system_type: 'faster_payment_system',
                  faster_payment_system: { phone: '79680000000', bank_id: bankId, description: 'x' },
                },
              },
              amount_details: { amount: 150_000, currency: 'rub' },
            },
          ],
        }),
      );
    const policy = { currencies: ['rub'], minAmount: 1, maxAmount: 1e9, approvalThreshold: 1e9 };
    const decide = (bankId: string) =>
      decidePayout({
        request,
        workflowId: 'payout-p-1',
        sessionId: 'ps_1',
        token: '',
        ready: ready(bankId),
        policy,
      });
    expect(decide('100000000069')).toMatchObject({
      action: 'confirm',
      checks: expect.arrayContaining(['SBP phone matches', 'SBP bank matches']) as unknown,
    });
    expect(decide('100000000004')).toMatchObject({ action: 'cancel' });
  });

  it('the policy sends a card payout without last4 to an operator, never confirms it', () => {
    const request: PayoutRequest = { ...base, recipient: ourCard };
    const ready = toSessionSnapshot(
      SessionSchema.parse({
        id: 'ps_1',
        status: 'in_progress',
        next_action: 'confirm',
        payments: [
          {
            id: 'po_1',
            status: 'pending',
            payment_method: { type: 'card', card: { brand: 'visa' } },
            amount_details: { amount: 150_000, currency: 'rub' },
          },
        ],
      }),
    );
    const policy = { currencies: ['rub'], minAmount: 1, maxAmount: 1e9, approvalThreshold: 1e9 };
    expect(
      decidePayout({ request, workflowId: 'payout-p-1', sessionId: 'ps_1', token: '', ready, policy }),
    ).toMatchObject({
      action: 'await_approval',
      reason: expect.stringContaining('no matching card last 4 digits') as unknown,
    });
  });
});

describe('SBP recipient check answer', () => {
  it('compares names word by word, initials allowed', () => {
    expect(namesAgree('Иван Иванович И.', 'Иванов Иван Иванович')).toBe('match');
    expect(namesAgree('Иванов Иван', 'Иванов Иван Иванович')).toBe('match');
    expect(namesAgree('Пётр П.', 'Иванов Иван Иванович')).toBe('mismatch');
    expect(namesAgree('', 'Иванов Иван')).toBe('unclear');
  });

  it('reads the verification session: succeeded names someone, cancelled means not registered', () => {
    const ours = 'Ivanov Ivan Ivanovich';
    expect(sbpVerdict({ status: 'in_progress', payout: { status: 'in_progress' } }, ours)).toEqual({
      verdict: 'pending',
    });
    expect(
      sbpVerdict(
        { status: 'accepted', payout: { status: 'succeeded', recipientFullName: 'Ivanov Ivan Ivanovich' } },
        ours,
      ),
    ).toEqual({
      verdict: 'verified',
      name: 'Ivanov Ivan Ivanovich',
    });
    expect(
      sbpVerdict(
        { status: 'accepted', payout: { status: 'succeeded', recipientFullName: 'Petrov Petr' } },
        ours,
      ),
    ).toMatchObject({
      verdict: 'name_mismatch',
    });
    expect(
      sbpVerdict({ status: 'cancelled', payout: { status: 'failed', errorCode: 'invalid_recipient' } }, ours),
    ).toEqual({
      verdict: 'not_registered',
      detail: 'invalid_recipient',
    });
  });
});
