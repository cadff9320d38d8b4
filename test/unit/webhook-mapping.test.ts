import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookSchema } from '../../bank131/schemas';
import { parsePayoutRequest, payoutWorkflowId } from '../../policy/payout-request';
import {
  inboxWorkflowId,
  PAYOUT_WORKFLOW_ID_PATTERN,
  routeWebhook,
  sessionLookupQuery,
} from '../../webhook-gateway/mapping';
import { paymentFinishedSignal, paymentRefundedSignal, readyToConfirmSignal } from '../../workflows/messages';

const RECEIVED_AT = new Date('2026-11-25T10:00:00.000Z');
const FULL_ACCOUNT = '40817810099910004312';

/** A webhook as the bank sends it: v1 (`payments` / `payment_method`) or v2 (`payout_list` / `payout_details`). */
function webhook(
  opts: {
    type?: string;
    shape?: 'v1' | 'v2';
    sessionId?: string;
    payoutStatus?: string;
    metadata?: unknown;
    account?: string;
    refunds?: { id: string; status: string }[];
    extra?: Record<string, unknown>;
  } = {},
) {
  const method = {
    type: 'bank_account',
    bank_account: {
      system_type: 'ru',
      ru: { token: 'tok_secret', account: opts.account ?? '40817***4312', full_name: 'Иванов И.' },
    },
  };
  const payout = {
    id: 'po_1313',
    status: opts.payoutStatus ?? 'pending',
    amount_details: { amount: 10000, currency: 'rub' },
    ...(opts.shape === 'v2' ? { payout_details: method } : { payment_method: method }),
    ...(opts.metadata === undefined ? {} : { metadata: opts.metadata }),
    ...(opts.refunds ? { refunds: opts.refunds } : {}),
  };
  return WebhookSchema.parse({
    type: opts.type ?? 'ready_to_confirm',
    session: {
      id: opts.sessionId ?? 'ps_3230',
      status: 'in_progress',
      next_action: 'confirm',
      ...(opts.shape === 'v2' ? { payout_list: [payout] } : { payments: [payout] }),
    },
    ...opts.extra,
  });
}

/** The same JSON with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('routeWebhook', () => {
  it.each([
    ['ready_to_confirm', readyToConfirmSignal],
    ['payment_finished', paymentFinishedSignal],
    ['payment_refunded', paymentRefundedSignal],
  ])('maps %s to its signal, with the snapshot and dedup key as payload', (type, signal) => {
    const route = routeWebhook(webhook({ type, metadata: 'payout-p1' }), RECEIVED_AT);
    expect(route).toMatchObject({
      kind: 'signal',
      signal,
      workflowId: 'payout-p1',
      payload: {
        type,
        dedupKey: `${type}|ps_3230|po_1313|pending|-`,
        receivedAt: '2026-11-25T10:00:00.000Z',
        session: { sessionId: 'ps_3230', status: 'in_progress', payout: { id: 'po_1313' } },
      },
    });
    expect(Object.keys(route.payload).sort()).toEqual(['dedupKey', 'receivedAt', 'session', 'type']);
  });

  it.each(['action_required', 'ready_to_capture', 'confirmation_payout', 'something_new'])(
    'sends %s to the inbox as unsupported',
    (type) => {
      const route = routeWebhook(webhook({ type, metadata: 'payout-p1' }), RECEIVED_AT);
      expect(route).toMatchObject({ kind: 'inbox', reason: 'unsupported_type', workflowId: 'payout-p1' });
      expect(route.payload.type).toBe(type);
    },
  );

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    'does not mistake the object key %s for a signal',
    (type) => {
      expect(routeWebhook(webhook({ type }), RECEIVED_AT)).toMatchObject({
        kind: 'inbox',
        reason: 'unsupported_type',
      });
    },
  );

  it('reads v1 and v2 shapes to the same payload', () => {
    const v1 = routeWebhook(webhook({ shape: 'v1', metadata: 'payout-p1' }), RECEIVED_AT);
    const v2 = routeWebhook(webhook({ shape: 'v2', metadata: 'payout-p1' }), RECEIVED_AT);
    expect(v2).toEqual(v1);
    expect(v1.payload.session.payout).toMatchObject({
      id: 'po_1313',
      amount: 10000,
      currency: 'rub',
      recipientMaskedAccount: '40817***4312',
    });
  });

  it('keeps only a masked account, even if the bank ever sends a full one', () => {
    const route = routeWebhook(webhook({ account: FULL_ACCOUNT }), RECEIVED_AT);
    expect(route.payload.session.payout?.recipientMaskedAccount).toBe('40817***4312');
    expect(JSON.stringify(route.payload)).not.toContain(FULL_ACCOUNT);
  });

  it('takes our workflow ID from metadata on the payout or the session, as a string or {workflow_id}', () => {
    expect(routeWebhook(webhook({ metadata: { workflow_id: 'payout-p2' } }), RECEIVED_AT).workflowId).toBe(
      'payout-p2',
    );
    const onSession = WebhookSchema.parse({
      type: 'payment_finished',
      session: { id: 'ps_1', status: 'accepted', metadata: 'payout-p3' },
    });
    expect(routeWebhook(onSession, RECEIVED_AT).workflowId).toBe('payout-p3');
    expect(routeWebhook(webhook(), RECEIVED_AT).workflowId).toBeUndefined();
  });

  it.each([
    ['another prefix', 'bank131-webhook-inbox-ps_1'],
    ['a bare prefix', 'payout-'],
    ['a quote', 'payout-a"b'],
    ['a space', 'payout-a b'],
    ['a control character', 'payout-a\u0000'],
    ['too long', payoutWorkflowId('x'.repeat(200))],
  ])('does not route by a metadata ID with %s', (_what, metadata) => {
    expect(routeWebhook(webhook({ metadata }), RECEIVED_AT).workflowId).toBeUndefined();
  });

  it('accepts session snapshots without any payout (the SDK fixture shape)', () => {
    const bare = WebhookSchema.parse({
      type: 'payment_finished',
      session: { id: 'test_ps_1', status: 'created' },
    });
    expect(routeWebhook(bare, RECEIVED_AT).payload).toMatchObject({
      dedupKey: 'payment_finished|test_ps_1|-|-|-',
      session: { sessionId: 'test_ps_1', status: 'created', payout: undefined },
    });
  });
});

describe('dedup key', () => {
  const key = (opts: Parameters<typeof webhook>[0], at = RECEIVED_AT) =>
    routeWebhook(webhook(opts), at).payload.dedupKey;

  it('is the same for redeliveries: other receive time, unknown fields, v1 or v2, key order', () => {
    const base = key({});
    expect(key({}, new Date('2027-01-01T00:00:00Z'))).toBe(base);
    expect(key({ extra: { confirm_information: { x: 1 } } })).toBe(base);
    expect(key({ shape: 'v2' })).toBe(base);
    const reordered = WebhookSchema.parse(reverseKeys(webhook({})));
    expect(routeWebhook(reordered, RECEIVED_AT).payload.dedupKey).toBe(base);
  });

  it('differs when the meaning differs: type, payout status, refunds', () => {
    const keys = [
      key({}),
      key({ type: 'payment_finished', payoutStatus: 'succeeded' }),
      key({ type: 'payment_finished', payoutStatus: 'failed' }),
      key({
        type: 'payment_refunded',
        payoutStatus: 'succeeded',
        refunds: [{ id: 'rf_1', status: 'accepted' }],
      }),
      key({
        type: 'payment_refunded',
        payoutStatus: 'succeeded',
        refunds: [{ id: 'rf_2', status: 'accepted' }],
      }),
      key({ sessionId: 'ps_other' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('sessionLookupQuery', () => {
  it('finds the payout workflow carrying the session ID', () => {
    expect(sessionLookupQuery('ps_3230')).toBe(
      'Bank131SessionId = "ps_3230" AND WorkflowType = "payoutWorkflow"',
    );
  });

  it.each(['', 'ps" OR WorkflowId != "', 'ps\\', 'ps 1', 'ps\n1', 'x'.repeat(129)])(
    'refuses a session ID it cannot safely quote: %j',
    (sessionId) => {
      expect(sessionLookupQuery(sessionId)).toBeUndefined();
    },
  );

  it('never lets a session ID out of its string literal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (sessionId) => {
        const query = sessionLookupQuery(sessionId);
        if (query === undefined) return;
        expect(query).toBe(`Bank131SessionId = "${sessionId}" AND WorkflowType = "payoutWorkflow"`);
        expect(sessionId).not.toMatch(/["\\\s]/);
      }),
    );
  });
});

describe('inboxWorkflowId', () => {
  it('is the session ID behind a fixed prefix', () => {
    expect(inboxWorkflowId('ps_3230')).toBe('bank131-webhook-inbox-ps_3230');
  });

  it('hashes a session ID Temporal could refuse, stably and without collisions with plain ones', () => {
    const odd = `ps_${'9'.repeat(2000)}`;
    expect(inboxWorkflowId(odd)).toBe(inboxWorkflowId(odd));
    expect(inboxWorkflowId(odd)).toMatch(/^bank131-webhook-inbox-unusual-session-[0-9a-f]{32}$/);
    expect(inboxWorkflowId('ps\u0000')).not.toBe(inboxWorkflowId('ps\u0001'));
  });

  it('is always short and plain, whatever the session ID', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (sessionId) => {
        expect(inboxWorkflowId(sessionId)).toMatch(/^bank131-webhook-inbox-[A-Za-z0-9_.:-]{1,128}$/);
      }),
    );
  });
});

const validRequest = {
  payoutId: 'order-1',
  amount: 150_000,
  currency: 'RUB',
  recipient: { kind: 'account', bik: '049205131', account: '40817810099910004312', fullName: 'Иванов Иван' },
  description: 'Выплата по договору 42',
};

describe('PAYOUT_WORKFLOW_ID_PATTERN', () => {
  it('matches every workflow ID the payouts client can give a payout', () => {
    const payoutId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
    fc.assert(
      fc.property(payoutId, (id) => {
        // Accepted by the client's own check (policy/payout-request.ts)...
        expect(parsePayoutRequest({ ...validRequest, payoutId: id }).payoutId).toBe(id);
        expect(payoutWorkflowId(id)).toMatch(PAYOUT_WORKFLOW_ID_PATTERN);
      }),
    );
    expect(payoutWorkflowId('a'.repeat(129))).not.toMatch(PAYOUT_WORKFLOW_ID_PATTERN);
  });
});
