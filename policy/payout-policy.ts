/**
 * The confirm / cancel / ask-a-human decision, as a pure function of what we asked for, what the bank says
 * it is about to do, and the configured limits. Any doubt cancels: money that did not move can be sent again,
 * money sent to the wrong place cannot be taken back.
 */
import type { SessionSnapshot } from '../bank131/session';
import type { PolicyConfig } from '../config';
import type { PayoutRequest, PolicyDecision } from '../workflows/messages';

export interface PolicyInput {
  request: PayoutRequest;
  workflowId: string;
  /** The session our init created; undefined only when its answer was lost and the webhook told us. */
  sessionId?: string;
  /** The token we initiated the payout with. */
  token: string;
  /** Masked account we learned when tokenizing or from token/info. */
  maskedAccount?: string;
  /** The bank's `ready_to_confirm` view (webhook or `session/status`). */
  ready: SessionSnapshot;
  policy: PolicyConfig;
}

export function normalizeName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('ru-RU');
}

export function decidePayout(input: PolicyInput): PolicyDecision {
  const { request, ready, policy } = input;
  const violations: string[] = [];
  const checks: string[] = [];
  const check = (ok: boolean, passed: string, failed: string) =>
    ok ? checks.push(passed) : violations.push(failed);

  check(
    ready.nextAction === 'confirm' && ready.status === 'in_progress',
    'session awaits confirmation',
    `session is not awaiting confirmation (status ${ready.status}, next_action ${ready.nextAction ?? 'none'})`,
  );
  if (input.sessionId !== undefined) {
    check(
      ready.sessionId === input.sessionId,
      'session id matches',
      `session id ${ready.sessionId} is not ours (${input.sessionId})`,
    );
  }

  const payout = ready.payout;
  if (!payout) {
    violations.push('bank reported no payout in the session');
    return { action: 'cancel', violations };
  }

  check(
    payout.amount === request.amount,
    'amount matches',
    `amount ${String(payout.amount)} differs from requested ${request.amount}`,
  );
  const currency = payout.currency?.toLowerCase();
  check(
    currency === request.currency.toLowerCase(),
    'currency matches',
    `currency ${String(payout.currency)} differs from requested ${request.currency}`,
  );
  if (payout.metadata !== undefined) {
    check(payout.metadata === input.workflowId, 'metadata matches', 'payout metadata names another workflow');
  }

  // The recipient must be positively identified: every identifier the bank reports must match, and it must
  // report at least one.
  let recipientIdentified = false;
  if (payout.recipientToken !== undefined) {
    recipientIdentified = true;
    check(
      payout.recipientToken === input.token,
      'recipient token matches',
      'recipient token differs from ours',
    );
  }
  if (payout.recipientMaskedAccount !== undefined && input.maskedAccount !== undefined) {
    recipientIdentified = true;
    check(
      payout.recipientMaskedAccount === input.maskedAccount,
      'recipient account matches',
      'recipient account differs from ours',
    );
  }
  if (payout.recipientFullName !== undefined) {
    check(
      normalizeName(payout.recipientFullName) === normalizeName(request.recipient.fullName),
      'recipient name matches',
      'recipient name differs from ours',
    );
  }
  if (!recipientIdentified) violations.push('bank did not identify the recipient (no token or account)');

  check(
    policy.currencies.includes(request.currency.toLowerCase()),
    'currency allowed',
    `currency ${request.currency} is not allowed`,
  );
  check(
    request.amount >= policy.minAmount,
    'amount above minimum',
    `amount is below the minimum ${policy.minAmount}`,
  );
  check(
    request.amount <= policy.maxAmount,
    'amount within limit',
    `amount exceeds the limit ${policy.maxAmount}`,
  );

  if (violations.length > 0) return { action: 'cancel', violations };
  if (request.amount > policy.approvalThreshold) {
    return {
      action: 'await_approval',
      reason: `amount ${request.amount} is above the approval threshold ${policy.approvalThreshold}`,
      checks,
    };
  }
  return { action: 'confirm', checks };
}
