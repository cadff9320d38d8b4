import { describe, expect, it } from 'vitest';
import { formatBatchReport, parseBatchCsv } from '../../client/batch';
import {
  formatAmount,
  formatEvent,
  formatPayoutList,
  formatPayoutStatus,
  formatTable,
  newEvents,
} from '../../client/format';
import { InvalidListFilterError, payoutListQuery } from '../../client/payout-list';
import type { PayoutView } from '../../client/payouts';
import { loadPayoutSettings } from '../../config';

const policy = loadPayoutSettings({}).policy;

describe('formatAmount', () => {
  it('prints kopecks as roubles with grouped thousands, without float rounding', () => {
    expect(formatAmount(150000)).toBe('1 500.00 RUB');
    expect(formatAmount(5)).toBe('0.05 RUB');
    expect(formatAmount(100000000)).toBe('1 000 000.00 RUB');
    expect(formatAmount(999999999999999)).toBe('9 999 999 999 999.99 RUB');
    expect(formatAmount(-1234, 'usd')).toBe('-12.34 USD');
    expect(formatAmount(undefined)).toBe('?');
  });
});

const view: PayoutView = {
  workflowId: 'payout-order-1',
  runId: 'r1',
  workflowStatus: 'RUNNING',
  returned: false,
  state: {
    payoutId: 'order-1',
    step: 'awaiting_approval',
    amount: 15_000_000,
    currency: 'rub',
    recipientMaskedAccount: '40817***4312',
    sessionId: 'ps_1',
    bankSessionStatus: 'in_progress',
    bankPayoutStatus: 'pending',
    decision: {
      action: 'await_approval',
      reason: 'amount above 100 000.00',
      checks: ['amount matches', 'recipient matches'],
    },
    returned: false,
    createdAt: '2026-11-25T07:15:02.871Z',
    updatedAt: '2026-11-25T07:15:03.282Z',
    events: [
      { at: '2026-11-25T07:15:02.871Z', kind: 'started' },
      {
        at: '2026-11-25T07:15:03.280Z',
        kind: 'webhook:ready_to_confirm',
        detail: 'ps_1 in_progress/pending',
      },
    ],
    seenWebhooks: [],
  },
};

describe('formatPayoutStatus', () => {
  it('reads as a summary: step, roubles, masked recipient, decision with checks, what to do, events', () => {
    const text = formatPayoutStatus(view);
    expect(text).toContain('Payout order-1 (payout-order-1)  RUNNING');
    expect(text).toContain('step       awaiting_approval');
    expect(text).toContain('amount     150 000.00 RUB to 40817***4312');
    expect(text).toContain('bank       session ps_1 (in_progress/pending)');
    expect(text).toMatch(
      /decision {3}ask an operator: amount above 100 000.00\n +✓ amount matches\n +✓ recipient matches/,
    );
    expect(text).toContain(
      'approval   WAITING: PAYOUT_OPERATOR_ID=<you> npm run payout -- approve|reject order-1',
    );
    expect(text).toContain('  2026-11-25 07:15:03.280  webhook:ready_to_confirm  (ps_1 in_progress/pending)');
    expect(text).not.toMatch(/"seenWebhooks"/);
  });

  it('shows the outcome, violations, approval, returns and callback deliveries', () => {
    const done: PayoutView = {
      ...view,
      workflowStatus: 'COMPLETED',
      returned: true,
      state: {
        ...view.state,
        step: 'cancelled',
        outcome: 'cancelled',
        cancelReason: 'policy',
        decision: { action: 'cancel', violations: ['amount 1 differs from 2'] },
        approval: { decision: 'rejected', by: 'alice', at: '2026-11-25T08:00:00.000Z', comment: 'no' },
      },
      returns: {
        payoutId: 'order-1',
        payoutWorkflowId: 'payout-order-1',
        sessionId: 'ps_1',
        foreign: [],
        returns: [
          {
            refundId: 'rf_1',
            status: 'accepted',
            amount: 100,
            at: '2026-11-26T00:00:00.000Z',
            sessionId: 'ps_1',
            confirmedByStatus: false,
          },
        ],
      },
      callbacks: [
        {
          eventId: 'payout-order-1#finished',
          type: 'payout.finished',
          workflowId: 'callback-payout-order-1#finished',
          delivery: {
            eventId: 'payout-order-1#finished',
            type: 'payout.finished',
            delivered: false,
            gaveUp: false,
            attemptCount: 3,
            attempts: [{ at: '2026-11-25T08:00:01.000Z', ok: false, error: 'backend answered HTTP 503' }],
          },
        },
      ],
    };
    const text = formatPayoutStatus(done);
    expect(text).toContain('step       cancelled   outcome CANCELLED');
    expect(text).toContain('cancelled  policy');
    expect(text).toMatch(/decision {3}cancel\n +✗ amount 1 differs from 2/);
    expect(text).toContain('approval   rejected by alice at 2026-11-25 08:00:00.000 ("no")');
    expect(text).toContain(
      'RETURNED   refund rf_1 (accepted) 1.00 RUB at 2026-11-26 00:00:00.000, webhook only',
    );
    expect(text).toContain(
      'callback   payout.finished: retrying (3 attempts; last 2026-11-25 08:00:01.000: backend answered HTTP 503)',
    );
  });
});

describe('follow and tables', () => {
  it('newEvents gives only what was not printed', () => {
    const events = view.state.events;
    expect(newEvents(0, events)).toEqual(events);
    expect(newEvents(1, events)).toEqual([events[1]]);
    expect(newEvents(2, events)).toEqual([]);
    expect(formatEvent(events[0]!)).toBe('2026-11-25 07:15:02.871  started');
  });

  it('formatTable aligns columns; the list shows roubles', () => {
    expect(
      formatTable(
        ['A', 'LONG'],
        [
          ['xxx', 'y'],
          ['z', ''],
        ],
      ),
    ).toBe('A    LONG\nxxx  y\nz');
    const text = formatPayoutList([
      {
        payoutId: 'p1',
        workflowId: 'payout-p1',
        workflowStatus: 'RUNNING',
        status: 'in_progress',
        step: 'awaiting_approval',
        amount: 15_000_000,
        startTime: '2026-11-25T07:00:00.000Z',
      },
    ]);
    expect(text.split('\n')[0]).toMatch(/^PAYOUT ID +STATUS +STEP +AMOUNT +STARTED +CLOSED$/);
    expect(text).toMatch(/p1 +in_progress +awaiting_approval +150 000.00 RUB +2026-11-25 07:00:00.000 +-/);
    expect(formatPayoutList([])).toBe('no payouts match');
  });
});

describe('payoutListQuery', () => {
  const now = new Date('2026-11-25T12:00:00.000Z');
  it('turns filters into a visibility query over the search attributes', () => {
    expect(payoutListQuery({}, now)).toBe("WorkflowType = 'payoutWorkflow'");
    expect(
      payoutListQuery(
        { status: 'unknown', step: 'awaiting_approval', minAmount: '10000000', since: '2h' },
        now,
      ),
    ).toBe(
      "WorkflowType = 'payoutWorkflow' AND PayoutStatus = 'unknown' AND PayoutStep = 'awaiting_approval' AND PayoutAmount >= 10000000 AND StartTime >= '2026-11-25T10:00:00.000Z'",
    );
    expect(payoutListQuery({ since: '2026-11-20' }, now)).toContain(
      "StartTime >= '2026-11-20T00:00:00.000Z'",
    );
  });

  it('names every bad filter at once and lets nothing unquoted through', () => {
    try {
      payoutListQuery({ status: "x' OR 1=1", step: 'nope', minAmount: '1e9', since: 'yesterday' }, now);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidListFilterError);
      expect((err as InvalidListFilterError).problems.map((p) => p.split(':')[0])).toEqual([
        '--status',
        '--step',
        '--min-amount',
        '--since',
      ]);
    }
  });
});

const HEADER = 'id,amount,currency,bik,account,token,name,description';
describe('parseBatchCsv', () => {
  it('keeps valid rows, reports every problem of every invalid row, and starts each ID once', () => {
    const csv = [
      HEADER,
      'b-1,150000,rub,049205131,40817810099910004312,,Иванов Иван,Выплата 1',
      'b-2,-5,rub,1,2,,,x!',
      'b-3,abc,rub,049205131,40817810099910004312,,Петров,Выплата 3',
      'b-1,150000,rub,049205131,40817810099910004312,,Иванов Иван,Выплата 1',
      'b-4,100,rub,,,tok1234567890abcdefgh,"Сидоров, Пётр",Выплата 4',
      'b-5,100,rub,049205131,40817810099910004312,,A,one',
      'b-5,200,rub,049205131,40817810099910004312,,A,one',
    ].join('\n');
    const parsed = parseBatchCsv(csv, policy);
    expect(parsed.total).toBe(7);
    expect(parsed.rows.map((r) => [r.line, r.request.payoutId])).toEqual([
      [2, 'b-1'],
      [6, 'b-4'],
    ]);
    expect(parsed.rows[1]?.request.recipient).toEqual({
      kind: 'token',
      token: 'tok1234567890abcdefgh',
      fullName: 'Сидоров, Пётр',
    });
    const byLine = Object.fromEntries(parsed.invalid.map((r) => [r.line, r.problems]));
    expect(Object.keys(byLine)).toEqual(['3', '4', '7', '8']);
    expect(byLine[3]).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^amount: must be positive/),
        expect.stringMatching(/^recipient.bik: must be 9 digits/),
        expect.stringMatching(/^description: must not contain/),
      ]),
    );
    expect(byLine[4]).toEqual(['amount: must be an integer number of kopecks']);
    expect(byLine[7]).toEqual(['id: also on line 8 with other details']);
    const report = formatBatchReport(parsed, [
      { line: 2, payoutId: 'b-1', kind: 'started' },
      { line: 6, payoutId: 'b-4', kind: 'existing' },
    ]);
    expect(report).toMatch(/^line 3 \(b-2\): NOT STARTED: amount: must be positive/m);
    expect(report.split('\n').at(-1)).toBe(
      '7 rows: 1 started, 1 already started with the same details, 4 invalid, 0 conflicting with an existing payout, 0 failed to start',
    );
  });

  it('refuses a file whose header it cannot map', () => {
    expect(() => parseBatchCsv('id,amount,iban\n1,2,3', policy)).toThrow(
      /unknown: iban; missing: name, description/,
    );
    expect(() => parseBatchCsv('', policy)).toThrow(/empty/);
  });
});
