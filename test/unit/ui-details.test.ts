import { describe, expect, it } from 'vitest';
import { loadPayoutSettings } from '../../config';
import type { PayoutRequest, PayoutState } from '../../workflows/messages';
import {
  currentDetails,
  formatAmount,
  humanDuration,
  maskedRecipient,
  staticMetadata,
  stepSince,
  summaries,
  waitingFor,
} from '../../workflows/ui-details';

const timeouts = loadPayoutSettings({}).timeouts;
const request: PayoutRequest = {
  payoutId: 'order-1',
  amount: 150000,
  currency: 'rub',
  recipient: { kind: 'account', bik: '049205131', account: '40817810099910004312', fullName: 'Иванов Иван' },
  description: 'Выплата по договору 42',
};

describe('UI text', () => {
  it('durations and amounts read like people write them', () => {
    expect(humanDuration(30 * 60_000)).toBe('30 min');
    expect(humanDuration(3 * 3_600_000)).toBe('3 h');
    expect(humanDuration(2_000)).toBe('2 s');
    expect(humanDuration(1_500)).toBe('1500 ms');
    expect(formatAmount(150000)).toBe('1 500.00 RUB');
  });

  it('the static summary names amount, masked recipient and payout ID, never the account, token or name', () => {
    const meta = staticMetadata(request);
    expect(meta.staticSummary).toBe('1 500.00 RUB to 40817***4312 · payout order-1');
    expect(meta.staticDetails).toContain('**Payout ID:** order-1');
    expect(meta.staticDetails).toContain('**Recipient:** 40817***4312 at BIK 049205131');
    const byToken = staticMetadata({
      ...request,
      recipient: { kind: 'token', token: 'tok1234567890abcdefgh', fullName: 'Иванов Иван' },
    });
    for (const text of [
      meta.staticSummary,
      meta.staticDetails,
      byToken.staticSummary,
      byToken.staticDetails,
    ]) {
      expect(text).not.toMatch(/40817810099910004312|tok1234567890abcdefgh|Иванов/);
    }
    expect(maskedRecipient({ ...request, recipient: { kind: 'token', token: 't', fullName: 'x' } })).toBe(
      'a tokenized account',
    );
  });

  it('says what each waiting step waits for, with the configured timeouts', () => {
    expect(waitingFor('awaiting_ready', timeouts)).toBe(
      'the ready_to_confirm webhook; asks session/status after 30 min',
    );
    expect(waitingFor('awaiting_approval', timeouts)).toMatch(
      /operator to approve or reject.*cancels after 3 h/,
    );
    expect(waitingFor('awaiting_finish', timeouts)).toMatch(/payment_finished.*after 2 h/);
    expect(waitingFor('reconciling', timeouts)).toMatch(/up to 72 h; then unknown/);
    expect(waitingFor('confirming', timeouts)).toBeUndefined();
    expect(summaries.confirm('ps_1')).toBe('confirm session ps_1');
    expect(summaries.waitFor('ready_to_confirm', 30 * 60_000)).toBe('wait for ready_to_confirm, 30 min');
  });

  it('current details: step since when, what it waits for, the decision, the session', () => {
    const view: PayoutState = {
      payoutId: 'order-1',
      step: 'awaiting_approval',
      amount: 150000,
      currency: 'rub',
      sessionId: 'ps_1',
      bankSessionStatus: 'in_progress',
      decision: {
        action: 'await_approval',
        reason: 'amount above the approval threshold',
        checks: ['amount'],
      },
      returned: false,
      createdAt: '2026-11-25T07:15:02.000Z',
      updatedAt: '2026-11-25T07:15:04.000Z',
      events: [
        { at: '2026-11-25T07:15:02.000Z', kind: 'started' },
        { at: '2026-11-25T07:15:03.123Z', kind: 'step:awaiting_approval' },
        { at: '2026-11-25T07:15:04.000Z', kind: 'webhook:ready_to_confirm' },
      ],
      seenWebhooks: [],
    };
    expect(stepSince(view)).toBe('2026-11-25T07:15:03.123Z');
    expect(currentDetails(view, timeouts).split('\n\n')).toEqual([
      '**Step:** awaiting_approval since 2026-11-25 07:15:03 UTC',
      '**Waiting for:** an operator to approve or reject (npm run payout -- approve|reject); cancels after 3 h',
      '**Decision:** await_approval: amount above the approval threshold',
      '**Bank 131 session:** ps_1 (in_progress/-)',
    ]);
    const done = currentDetails(
      { ...view, step: 'cancelled', outcome: 'cancelled', cancelReason: 'approval_timeout' },
      timeouts,
    );
    expect(done).toContain('**Outcome:** cancelled (approval_timeout)');
    expect(done).not.toContain('Waiting for');
  });
});
