/**
 * The confirm / cancel / ask-a-human decision, as a pure function of what we asked for, what the bank says
 * it is about to do, and the configured limits.
 *
 * Two kinds of doubt, treated differently:
 * - a contradiction (the bank names another amount, token, account, name, session or payout) cancels: money
 *   that did not move can be sent again, money sent to the wrong place cannot be taken back;
 * - a fact the bank did not state in a form we can check (no recipient identifier we can compare, no
 *   readable amount) never auto-confirms and never silently cancels: an operator decides
 *   (`unverifiedDetails: 'review'`), or it cancels when so configured.
 */
import { accountsAgree } from '../bank131/accounts';
import { metadataOf, type SessionSnapshot } from '../bank131/session';
import type { PayoutRequest } from '../workflows/messages';
import { identifyCard, identifySbp, payeeOf } from './recipients';
import type { PolicyConfig, PolicyDecision } from './settings';
import { velocityReasons, type VelocityTotals } from './velocity';

export interface PolicyInput {
  request: PayoutRequest;
  workflowId: string;
  /** This run's tag in `metadata`; checked when the bank echoes one. */
  runTag?: string;
  /** The session our init created (or the bank's own status confirmed as ours). */
  sessionId?: string;
  /** The token we initiated the payout with. */
  token: string;
  /** Masked account we learned when tokenizing or from token/info. */
  maskedAccount?: string;
  /** The bank's `ready_to_confirm` view (webhook or `session/status`). */
  ready: SessionSnapshot;
  policy: PolicyConfig;
  /** This recipient's totals today from the payout registry, this payout included; absent without one. */
  velocity?: VelocityTotals;
}

const IDENTIFIED_BY = {
  account: 'no matching token or account digits',
  token: 'no matching token or account digits',
  card: 'no matching card last 4 digits or token',
  sbp: 'no matching SBP phone and bank ID',
} as const;

export function normalizeName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('ru-RU');
}

/** Every rendering of the recipient's account we know: the caller's full number, and the bank's masks. */
function ourAccounts(input: PolicyInput): string[] {
  const payee = payeeOf(input.request.recipient);
  const known = payee.kind === 'account' ? [payee.account] : [];
  if (input.maskedAccount !== undefined) known.push(input.maskedAccount);
  return known;
}

export function decidePayout(input: PolicyInput): PolicyDecision {
  const { request, ready, policy } = input;
  const violations: string[] = [];
  const unverified: string[] = [];
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

  if (payout.amount === undefined) unverified.push('bank did not state a readable amount');
  else
    check(
      payout.amount === request.amount,
      'amount matches',
      `amount ${payout.amount} differs from requested ${request.amount}`,
    );
  if (payout.currency === undefined) unverified.push('bank did not state a readable currency');
  else
    check(
      payout.currency.toLowerCase() === request.currency.toLowerCase(),
      'currency matches',
      `currency ${payout.currency} differs from requested ${request.currency}`,
    );
  const metadata = metadataOf(ready);
  if (metadata !== undefined) {
    check(
      metadata.workflowId === input.workflowId &&
        (metadata.runTag === undefined || input.runTag === undefined || metadata.runTag === input.runTag),
      'metadata matches',
      'metadata names another workflow or run',
    );
  }

  // The recipient must be positively identified by something the bank reports (its token or the digits of
  // the account it shows; a card's last 4 digits; an SBP phone and bank), and nothing it reports may
  // contradict ours.
  let identified = false;
  const payee = payeeOf(request.recipient);
  if (payee.kind === 'card' || payee.kind === 'sbp') {
    const view = {
      token: payout.recipientToken,
      cardLast4: payout.recipientCard?.last4,
      cardBrand: payout.recipientCard?.brand,
      sbpPhone: payout.recipientSbp?.phone,
      sbpBankId: payout.recipientSbp?.bankId,
    };
    const id = payee.kind === 'card' ? identifyCard(payee, view) : identifySbp(payee, view);
    identified = id.identified;
    checks.push(...id.checks);
    violations.push(...id.violations);
    // An account in a card or SBP payout's details would be another payout's.
    if (payout.recipientMaskedAccount !== undefined)
      violations.push('bank reports an account, not our ' + payee.kind);
  } else if (payout.recipientToken !== undefined) {
    const same = payout.recipientToken === input.token;
    identified ||= same;
    check(same, 'recipient token matches', 'recipient token differs from ours');
  }
  if (payout.recipientMaskedAccount !== undefined && (payee.kind === 'account' || payee.kind === 'token')) {
    const verdicts = ourAccounts(input).map((ours) => accountsAgree(payout.recipientMaskedAccount!, ours));
    if (verdicts.includes(false)) violations.push('recipient account differs from ours');
    else if (verdicts.includes(true)) {
      identified = true;
      checks.push('recipient account digits match');
    }
  }
  if (payout.recipientFullName !== undefined) {
    check(
      normalizeName(payout.recipientFullName) === normalizeName(request.recipient.fullName),
      'recipient name matches',
      'recipient name differs from ours',
    );
  }
  if (!identified)
    unverified.push(
      `bank did not identify the recipient in a way we can check (${IDENTIFIED_BY[payee.kind]})`,
    );

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
  // Settings recorded before this option existed behave as the default.
  if (unverified.length > 0 && (policy.unverifiedDetails ?? 'review') === 'cancel') {
    return { action: 'cancel', violations: unverified };
  }
  const reasons = [...unverified];
  if (request.amount > policy.approvalThreshold)
    reasons.push(`amount ${request.amount} is above the approval threshold ${policy.approvalThreshold}`);
  // A split under the threshold is still one recipient's money today: past the limits, a human decides.
  if (input.velocity && policy.velocity) reasons.push(...velocityReasons(input.velocity, policy.velocity));
  if (reasons.length > 0) return { action: 'await_approval', reason: reasons.join('; '), checks };
  return { action: 'confirm', checks };
}
