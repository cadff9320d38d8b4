import { describe, expect, it } from 'vitest';
import { SessionSchema } from '../../bank131/schemas';
import { accountsAgree, maskAccount, visibleDigits } from '../../bank131/accounts';
import { toSessionSnapshot } from '../../bank131/session-read';
import {
  classifySession,
  initMetadata,
  metadataOf,
  webhookDedupKey,
  type SessionSnapshot,
} from '../../bank131/session';

const snapshotOf = (raw: unknown) => toSessionSnapshot(SessionSchema.parse(raw));

const v1 = SessionSchema.parse({
  id: 'ps_3230',
  status: 'in_progress',
  next_action: 'confirm',
  extra_field_from_the_future: { anything: true },
  payments: [
    {
      id: 'po_1313',
      status: 'pending',
      payment_method: {
        type: 'bank_account',
        bank_account: {
          system_type: 'ru',
          ru: { token: 'tok', account: '40817***4312', full_name: 'Иванов' },
        },
      },
      amount_details: { amount: 10000, currency: 'rub' },
      metadata: 'payout-p1',
    },
  ],
});

describe('toSessionSnapshot', () => {
  it('reads the v1 shape (payments / payment_method)', () => {
    expect(toSessionSnapshot(v1)).toEqual({
      sessionId: 'ps_3230',
      status: 'in_progress',
      nextAction: 'confirm',
      errorCode: undefined,
      errorDescription: undefined,
      errorRejectReasons: undefined,
      metadata: undefined,
      payout: {
        id: 'po_1313',
        status: 'pending',
        amount: 10000,
        currency: 'rub',
        recipientToken: 'tok',
        recipientMaskedAccount: '40817***4312',
        recipientFullName: 'Иванов',
        metadata: 'payout-p1',
        errorCode: undefined,
        errorDescription: undefined,
        fee: undefined,
        rrn: undefined,
        finishedAt: undefined,
        refunds: [],
      },
    });
  });

  it('reads the v2 shape (payout_list / payout_details) the same way', () => {
    const v2 = SessionSchema.parse({
      id: 'ps_3230',
      status: 'in_progress',
      next_action: 'confirm',
      payout_list: [
        {
          id: 'po_1313',
          status: 'pending',
          payout_details: (v1.payments![0] as { payment_method: unknown }).payment_method,
          amount_details: { amount: 10000, currency: 'rub' },
          metadata: 'payout-p1',
        },
      ],
    });
    expect(toSessionSnapshot(v2)).toEqual(toSessionSnapshot(v1));
  });

  it('masks a full account number should the bank ever send one', () => {
    const raw = SessionSchema.parse({
      id: 's',
      status: 'accepted',
      payments: [
        {
          id: 'p',
          status: 'succeeded',
          payment_method: { type: 'bank_account', bank_account: { ru: { account: '40817810099910004312' } } },
        },
      ],
    });
    expect(toSessionSnapshot(raw).payout?.recipientMaskedAccount).toBe('40817***4312');
  });

  it('carries errors and refunds', () => {
    const raw = SessionSchema.parse({
      id: 's',
      status: 'cancelled',
      error: { code: 'session_cancelled_by_partner' },
      payments: [
        {
          id: 'p',
          status: 'failed',
          error: { code: 'x', description: 'y' },
          refunds: [{ id: 'rf_1', status: 'accepted', amount_details: { amount: 5, currency: 'rub' } }],
        },
      ],
    });
    const s = toSessionSnapshot(raw);
    expect(s.errorCode).toBe('session_cancelled_by_partner');
    expect(s.payout).toMatchObject({
      errorCode: 'x',
      errorDescription: 'y',
      refunds: [{ id: 'rf_1', status: 'accepted', amount: 5, currency: 'rub' }],
    });
  });

  it('reads what the real bank may send: strings for numbers, string booleans, no status, odd fields', () => {
    const s = snapshotOf({
      id: 'ps_1',
      payments: [
        { id: 17, status: 'pending', amount_details: { amount: '150000', currency: 'rub' }, extra: [1, 2] },
        'not an object',
      ],
      payout_list: undefined,
    });
    expect(s.status).toBe('unknown');
    expect(s.payout).toMatchObject({ id: '17', amount: 150000, currency: 'rub' });
  });

  it('drops one unreadable field, not the whole session', () => {
    const s = snapshotOf({
      id: 'ps_1',
      status: 'in_progress',
      next_action: 'confirm',
      payments: [{ id: 'po_1', status: 'pending', amount_details: { amount: '150.00', currency: 'rub' } }],
    });
    expect(s).toMatchObject({ status: 'in_progress', nextAction: 'confirm' });
    expect(s.payout?.amount).toBeUndefined();
  });

  it('prefers payout_list when both spellings appear (as the SDK does)', () => {
    const s = snapshotOf({
      id: 'ps_1',
      status: 'accepted',
      payments: [{ id: 'po_old', status: 'pending' }],
      payout_list: [{ id: 'po_new', status: 'succeeded' }],
    });
    expect(s.payout?.id).toBe('po_new');
  });

  it('extracts fee, rrn, finish time and reject reasons', () => {
    const s = snapshotOf({
      id: 'ps_1',
      status: 'accepted',
      error: { code: 'x', reject_reasons: [{ rule_alias: 'r' }] },
      payments: [
        {
          id: 'po_1',
          status: 'succeeded',
          finished_at: '2026-11-25T10:00:00Z',
          amounts: { fee: { merchant_fee: { amount: '1500', currency: 'rub' } } },
          transaction_info: { rrn: '612345678901', auth_code: '123456' },
        },
      ],
    });
    expect(s.errorRejectReasons).toEqual([{ rule_alias: 'r' }]);
    expect(s.payout).toMatchObject({
      fee: { amount: 1500, currency: 'rub' },
      rrn: '612345678901',
      finishedAt: '2026-11-25T10:00:00Z',
    });
  });
});

describe('account renderings', () => {
  it.each([
    ['40817***4312', { prefix: '40817', suffix: '4312', full: false }],
    ['40817*******4312', { prefix: '40817', suffix: '4312', full: false }],
    ['408178xxxxxxxxxx4312', { prefix: '408178', suffix: '4312', full: false }],
    ['40817••••••••••••4312', { prefix: '40817', suffix: '4312', full: false }],
    ['****4312', { prefix: '', suffix: '4312', full: false }],
    ['40817810099910004312', { prefix: '40817810099910004312', suffix: '40817810099910004312', full: true }],
  ])('reads the digits %s shows', (rendering, digits) => {
    expect(visibleDigits(rendering)).toEqual(digits);
  });

  it.each([
    ['40817*******4312', '40817***4312', true],
    ['408178**********4312', '40817810099910004312', true],
    ['****4312', '40817***4312', true],
    ['40817810099910004312', '40817***4312', true],
    ['40817***4313', '40817***4312', false],
    ['40702***4312', '40817810099910004312', false],
    ['40817810099910004399', '40817810099910004312', false],
    ['40817***', '40817***4312', undefined],
    ['***12', '40817***4312', undefined],
    ['n/a', '40817***4312', undefined],
  ])('%s against %s: %s', (a, b, verdict) => {
    expect(accountsAgree(a, b)).toBe(verdict);
    expect(accountsAgree(b, a)).toBe(verdict);
  });
});

describe('maskAccount', () => {
  it('keeps the first 5 and last 4 digits', () => {
    expect(maskAccount('40702810200000000025')).toBe('40702***0025');
    expect(maskAccount('123')).toBe('***');
  });
});

describe('metadataOf', () => {
  it('finds our ID (and run tag) on the payout, on the session, or in an object', () => {
    expect(metadataOf(toSessionSnapshot(v1))).toEqual({ workflowId: 'payout-p1' });
    expect(metadataOf(snapshotOf({ id: 's', status: 'x', metadata: 'payout-a' }))).toEqual({
      workflowId: 'payout-a',
    });
    expect(metadataOf(snapshotOf({ id: 's', metadata: initMetadata('payout-a', 'run-1') }))).toEqual({
      workflowId: 'payout-a',
      runTag: 'run-1',
    });
    expect(metadataOf(snapshotOf({ id: 's', status: 'x', metadata: { workflow_id: 'payout-b' } }))).toEqual({
      workflowId: 'payout-b',
    });
    expect(metadataOf(snapshotOf({ id: 's', status: 'x' }))).toBeUndefined();
    expect(metadataOf(snapshotOf({ id: 's', status: 'x', metadata: 42 }))).toBeUndefined();
  });
});

describe('classifySession', () => {
  const s = (
    status: string,
    payoutStatus?: string,
    extra: Partial<SessionSnapshot> = {},
  ): SessionSnapshot => ({
    sessionId: 's',
    status,
    ...extra,
    payout: payoutStatus ? { id: 'p', status: payoutStatus, refunds: [], ...extra.payout } : undefined,
  });
  it.each([
    [s('in_progress', 'pending', { nextAction: 'confirm' }), 'awaiting_confirm'],
    [s('in_progress', 'in_progress'), 'processing'],
    [s('in_progress', 'pending'), 'processing'],
    [s('created'), 'processing'],
    [s('accepted', 'succeeded'), 'succeeded'],
    [s('accepted', 'failed'), 'failed'],
    [s('in_progress', 'succeeded'), 'succeeded'],
    [s('in_progress', 'failed'), 'failed'],
    [s('cancelled', 'failed', { errorCode: 'session_cancelled_by_partner' }), 'cancelled'],
    [s('cancelled', 'failed', { errorCode: 'confirm_timeout' }), 'cancelled'],
    [
      s('cancelled', 'failed', {
        payout: { id: 'p', status: 'failed', errorCode: 'declined_by_issuer_bank', refunds: [] },
      }),
      'failed',
    ],
    [s('cancelled'), 'cancelled'],
    [s('cancelled', 'succeeded'), 'succeeded'],
    [s('error', 'succeeded'), 'succeeded'],
    [s('error', 'pending'), 'unknown'],
    [s('some_new_status'), 'unknown'],
  ])('%o is %s', (snapshot, kind) => {
    expect(classifySession(snapshot).kind).toBe(kind);
  });
});

describe('webhookDedupKey', () => {
  it('is stable for the same meaning and differs when status or refunds change', () => {
    const a = toSessionSnapshot(v1);
    expect(webhookDedupKey('ready_to_confirm', a)).toBe(
      webhookDedupKey('ready_to_confirm', structuredClone(a)),
    );
    expect(webhookDedupKey('ready_to_confirm', a)).not.toBe(webhookDedupKey('payment_finished', a));
    const finished = { ...a, payout: { ...a.payout!, status: 'succeeded' } };
    expect(webhookDedupKey('payment_finished', finished)).not.toBe(webhookDedupKey('payment_finished', a));
    const refunded = {
      ...finished,
      payout: { ...finished.payout, refunds: [{ id: 'rf', status: 'accepted' }] },
    };
    expect(webhookDedupKey('payment_refunded', refunded)).toContain('rf:accepted');
  });
});
