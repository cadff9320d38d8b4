import { describe, expect, it } from 'vitest';
import { SessionSchema } from '../../bank131/schemas';
import {
  classifySession,
  maskAccount,
  toSessionSnapshot,
  webhookDedupKey,
  workflowIdFromSession,
  type SessionSnapshot,
} from '../../bank131/session';

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
          payout_details: v1.payments![0]!.payment_method,
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
      refunds: [{ id: 'rf_1', status: 'accepted', amount: 5 }],
    });
  });
});

describe('maskAccount', () => {
  it('keeps the first 5 and last 4 digits', () => {
    expect(maskAccount('40702810200000000025')).toBe('40702***0025');
    expect(maskAccount('123')).toBe('***');
  });
});

describe('workflowIdFromSession', () => {
  it('finds our ID on the payout, on the session, or in an object', () => {
    expect(workflowIdFromSession(v1)).toBe('payout-p1');
    expect(workflowIdFromSession(SessionSchema.parse({ id: 's', status: 'x', metadata: 'payout-a' }))).toBe(
      'payout-a',
    );
    expect(
      workflowIdFromSession(
        SessionSchema.parse({ id: 's', status: 'x', metadata: { workflow_id: 'payout-b' } }),
      ),
    ).toBe('payout-b');
    expect(workflowIdFromSession(SessionSchema.parse({ id: 's', status: 'x' }))).toBeUndefined();
    expect(
      workflowIdFromSession(SessionSchema.parse({ id: 's', status: 'x', metadata: 42 })),
    ).toBeUndefined();
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
