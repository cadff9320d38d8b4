/**
 * What the Temporal UI shows about a payout at a glance: the workflow's current details (step, what it waits
 * for and since when, the decision) and the one-line summaries of its activities and timers. Pure, so the
 * text is unit-tested; the workflow hands the results to `setCurrentDetails` and to each call's `summary`.
 * Like every payload they pass the codec (encrypted at rest, shown decoded through the codec server).
 */
import { maskAccount } from '../bank131/accounts';
import type { PayoutTimeouts } from '../policy/settings';
import type { PayoutRequest, PayoutState, PayoutStep } from './messages';

/** Kopecks as roubles: `150000` → `1 500.00 RUB` (integer arithmetic, no float rounding). */
export function formatAmount(minor: number | undefined, currency = 'rub'): string {
  if (minor === undefined || !Number.isFinite(minor)) return '?';
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  const units = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${units}.${String(abs % 100).padStart(2, '0')} ${currency.toUpperCase()}`;
}

/** `1800000` → `30 min`, `7200000` → `2 h`, `90000` → `90 s`. */
export function humanDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}

/** What the payout waits for in a step, or undefined when it is doing something (or done). */
export function waitingFor(step: PayoutStep, timeouts: PayoutTimeouts): string | undefined {
  switch (step) {
    case 'awaiting_ready':
      return `the ready_to_confirm webhook; asks session/status after ${humanDuration(timeouts.readyTimeoutMs)}`;
    case 'awaiting_approval':
      return `an operator to approve or reject (npm run payout -- approve|reject); cancels after ${humanDuration(timeouts.approvalTimeoutMs)}`;
    case 'awaiting_finish':
      return `the payment_finished webhook; asks session/status after ${humanDuration(timeouts.finishTimeoutMs)}`;
    case 'reconciling':
      return `Bank 131's session/status, polled with backoff for up to ${humanDuration(timeouts.reconcileMaxDurationMs)}; then unknown`;
    default:
      return undefined;
  }
}

/** When the payout entered its current step (its `step:` event), else when it started. */
export function stepSince(view: PayoutState): string {
  for (let i = view.events.length - 1; i >= 0; i -= 1) {
    const e = view.events[i];
    if (e?.kind === `step:${view.step}`) return e.at;
  }
  return view.createdAt;
}

/** Markdown for the UI's "current details". Our IDs and statuses only: no account number, token or name. */
export function currentDetails(view: PayoutState, timeouts: PayoutTimeouts | undefined): string {
  const lines = [
    `**Step:** ${view.step} since ${stepSince(view)
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')}`,
  ];
  const waiting = timeouts ? waitingFor(view.step, timeouts) : undefined;
  if (waiting) lines.push(`**Waiting for:** ${waiting}`);
  if (view.outcome)
    lines.push(`**Outcome:** ${view.outcome}${view.cancelReason ? ` (${view.cancelReason})` : ''}`);
  const d = view.decision;
  if (d) {
    const why =
      d.action === 'cancel'
        ? d.violations.join('; ')
        : d.action === 'await_approval'
          ? d.reason
          : d.checks.join('; ');
    lines.push(`**Decision:** ${d.action}${why ? `: ${why}` : ''}`);
  }
  if (view.approval) lines.push(`**Approval:** ${view.approval.decision} by ${view.approval.by}`);
  if (view.sessionId)
    lines.push(
      `**Bank 131 session:** ${view.sessionId} (${view.bankSessionStatus ?? '?'}/${view.bankPayoutStatus ?? '-'})`,
    );
  if (view.bankError) lines.push(`**Bank said:** ${view.bankError.endpoint}: ${view.bankError.code}`);
  return lines.join('\n\n');
}

/** One-line summaries for the activities and timers the payout schedules. */
export const summaries = {
  tokenize: 'tokenize the bank account',
  tokenInfo: 'check the caller token (token/info)',
  init: (amount: string) => `init payout session for ${amount}`,
  confirm: (sessionId: string) => `confirm session ${sessionId}`,
  cancel: (sessionId: string) => `cancel session ${sessionId}`,
  status: (sessionId: string) => `read session/status of ${sessionId}`,
  waitFor: (what: string, ms: number) => `wait for ${what}, ${humanDuration(ms)}`,
  pollBackoff: (ms: number) => `poll session/status again in ${humanDuration(ms)}`,
};

/** The recipient as the UI may show it: the account masked like the bank masks it, never a token or name. */
export function maskedRecipient(request: PayoutRequest): string {
  const r = request.recipient;
  if (r.kind !== 'account') return 'a tokenized account';
  return maskAccount(r.account);
}

/** The workflow's static summary (one line in the UI's list) and details, set once when the payout starts. */
export function staticMetadata(request: PayoutRequest): { staticSummary: string; staticDetails: string } {
  const amount = formatAmount(request.amount, request.currency);
  return {
    staticSummary: `${amount} to ${maskedRecipient(request)} · payout ${request.payoutId}`,
    staticDetails: [
      `**Payout ID:** ${request.payoutId}`,
      `**Amount:** ${amount} (${request.amount} kopecks)`,
      `**Recipient:** ${maskedRecipient(request)}${request.recipient.kind === 'account' ? ` at BIK ${request.recipient.bik}` : ''}`,
      `**Description:** ${request.description}`,
    ].join('\n\n'),
  };
}
