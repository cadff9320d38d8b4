/**
 * What the operator CLI prints: pure functions from what the client read to text, so each is unit-tested
 * (test/unit/cli-format.test.ts) and the CLI only wires them to Temporal and the terminal.
 */
import type { PayoutEvent, PayoutState } from '../workflows/messages';
import { formatAmount } from '../workflows/ui-details';
import type { CallbackDelivery, PayoutListItem, PayoutView } from './payouts';

export { formatAmount };

/** `2026-11-25T07:15:02.871Z` → `2026-11-25 07:15:02.871` (UTC, like the workflow's clock). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/Z$/, '');
}

export function formatEvent(event: PayoutEvent): string {
  return `${formatTime(event.at)}  ${event.kind}${event.detail ? `  (${event.detail})` : ''}`;
}

/** The events a follower has not printed yet (the log only grows; a shorter one means a new run). */
export function newEvents(previous: number, events: PayoutEvent[]): PayoutEvent[] {
  return events.length >= previous ? events.slice(previous) : events;
}

function describeDecision(state: PayoutState): string[] {
  const d = state.decision;
  if (!d) return [];
  if (d.action === 'cancel') return [`decision   cancel`, ...d.violations.map((v) => `             ✗ ${v}`)];
  const head = d.action === 'confirm' ? 'decision   confirm' : `decision   ask an operator: ${d.reason}`;
  return [head, ...d.checks.map((c) => `             ✓ ${c}`)];
}

function describeCallback(c: CallbackDelivery): string {
  const d = c.delivery;
  if (c.startError && !d) return `${c.type}: not started (${c.startError})`;
  if (!d) return `${c.type}: starting`;
  const last = d.attempts.at(-1);
  const tries = `${d.attemptCount} attempt${d.attemptCount === 1 ? '' : 's'}`;
  if (d.delivered)
    return `${c.type}: delivered (${tries}, HTTP ${last?.httpStatus ?? '?'} at ${formatTime(last?.at)})`;
  if (d.gaveUp) return `${c.type}: GAVE UP after ${tries}; last: ${last?.error ?? '?'}`;
  return `${c.type}: retrying (${tries}; last ${formatTime(last?.at)}: ${last?.error ?? '?'})`;
}

/** The readable `status ID`: step, money, recipient (masked), bank, decision with its checks, approval, events. */
export function formatPayoutStatus(view: PayoutView): string {
  const s = view.state;
  const lines = [`Payout ${s.payoutId} (${view.workflowId})  ${view.workflowStatus}`];
  lines.push(`step       ${s.step}${s.outcome ? `   outcome ${s.outcome.toUpperCase()}` : ''}`);
  if (s.cancelReason) lines.push(`cancelled  ${s.cancelReason}`);
  if (s.errorCode) lines.push(`error      ${s.errorCode}`);
  lines.push(
    `amount     ${formatAmount(s.amount, s.currency)} to ${s.recipientMaskedAccount ?? 'a tokenized account'}`,
  );
  if (s.tokenVerified === false) lines.push(`token      NOT verified by token/info`);
  if (s.sessionId) {
    const bank = [`session ${s.sessionId} (${s.bankSessionStatus ?? '?'}/${s.bankPayoutStatus ?? '-'})`];
    if (s.bankPayoutId) bank.push(`payout ${s.bankPayoutId}`);
    if (s.rrn) bank.push(`rrn ${s.rrn}`);
    if (s.fee?.amount !== undefined)
      bank.push(`fee ${formatAmount(s.fee.amount, s.fee.currency ?? s.currency)}`);
    lines.push(`bank       ${bank.join(', ')}`);
  }
  if (s.bankError) {
    const { endpoint, code, description } = s.bankError;
    lines.push(`bank said  ${endpoint}: ${code}${description ? ` (${description})` : ''}`);
  }
  lines.push(...describeDecision(s));
  if (s.approval) {
    const a = s.approval;
    lines.push(
      `approval   ${a.decision} by ${a.by} at ${formatTime(a.at)}${a.comment ? ` ("${a.comment}")` : ''}`,
    );
  } else if (s.step === 'awaiting_approval') {
    lines.push('approval   WAITING: PAYOUT_OPERATOR_ID=<you> npm run payout -- approve|reject ' + s.payoutId);
  }
  if (s.cancelRequest)
    lines.push(`cancel     requested by ${s.cancelRequest.by} at ${formatTime(s.cancelRequest.at)}`);
  for (const r of view.returns?.returns ?? [])
    lines.push(
      `RETURNED   refund ${r.refundId} (${r.status}) ${formatAmount(r.amount, s.currency)} at ${formatTime(r.at)}, ${r.confirmedByStatus ? 'confirmed by session/status' : 'webhook only'}`,
    );
  if (view.returned && !view.returns?.returns.length)
    lines.push('RETURNED   while the payout ran (see events)');
  for (const c of view.callbacks ?? []) lines.push(`callback   ${describeCallback(c)}`);
  if (s.finishedAt) lines.push(`finished   ${formatTime(s.finishedAt)}`);
  lines.push('', 'Events:', ...s.events.map((e) => `  ${formatEvent(e)}`));
  return lines.join('\n');
}

/** Left-aligned columns, two spaces apart. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatPayoutList(items: PayoutListItem[]): string {
  if (items.length === 0) return 'no payouts match';
  return formatTable(
    ['PAYOUT ID', 'STATUS', 'STEP', 'AMOUNT', 'STARTED', 'CLOSED'],
    items.map((p) => [
      p.payoutId,
      p.status ?? '?',
      p.step ?? '?',
      formatAmount(p.amount),
      formatTime(p.startTime),
      formatTime(p.closeTime),
    ]),
  );
}
