/** A raw Bank 131 session (from an answer or a webhook) read into our SessionSnapshot: activities and gateway. */
import { maskAccount, visibleDigits } from './accounts';
import {
  PayoutSchema,
  readList,
  RefundSchema,
  type RawPayout,
  type RawRefund,
  type RawSession,
} from './schemas';
import { UNKNOWN_STATUS, type PayoutSnapshot, type RefundSnapshot, type SessionSnapshot } from './session';

/** A full account number never enters our state: masks pass as sent, full numbers are masked here. */
function keepMasked(account: string | undefined): string | undefined {
  if (account === undefined) return undefined;
  return visibleDigits(account)?.full ? maskAccount(account.replace(/[\s-]/g, '')) : account;
}

function toRefundSnapshot(r: RawRefund): RefundSnapshot {
  return {
    id: r.id,
    status: r.status ?? UNKNOWN_STATUS,
    amount: r.amount_details?.amount,
    currency: r.amount_details?.currency,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

function toPayoutSnapshot(p: RawPayout): PayoutSnapshot | undefined {
  if (p.id === undefined) return undefined;
  const method = p.payout_details ?? p.payment_method;
  const ru = method?.bank_account?.ru;
  const fps =
    method?.bank_account?.faster_payment_system ?? method?.bank_account?.faster_payment_system_verification;
  const card = method?.card;
  const participant = p.participant_details?.recipient;
  const receipt = p.fiscalization_details?.professional_income_taxpayer?.receipt;
  const fee = p.amounts?.fee?.merchant_fee;
  const participantName =
    participant?.full_name ??
    ([participant?.last_name, participant?.first_name, participant?.middle_name].filter(Boolean).join(' ') ||
      undefined);
  return {
    id: p.id,
    status: p.status ?? UNKNOWN_STATUS,
    amount: p.amount_details?.amount,
    currency: p.amount_details?.currency,
    recipientToken: ru?.token,
    recipientMaskedAccount: keepMasked(ru?.account),
    recipientFullName: ru?.full_name ?? participantName,
    ...(card && (card.last4 !== undefined || card.brand !== undefined)
      ? { recipientCard: { last4: card.last4, brand: card.brand } }
      : {}),
    ...(card?.tokenized_card?.token !== undefined && ru?.token === undefined
      ? { recipientToken: card.tokenized_card.token }
      : {}),
    ...(fps ? { recipientSbp: { phone: fps.phone, bankId: fps.bank_id } } : {}),
    ...(receipt?.id !== undefined ? { receipt: { id: receipt.id, link: receipt.link } } : {}),
    metadata: p.metadata,
    errorCode: p.error?.code,
    errorDescription: p.error?.description,
    fee: fee ? { amount: fee.amount, currency: fee.currency } : undefined,
    rrn: p.transaction_info?.rrn,
    finishedAt: p.finished_at,
    refunds: readList(RefundSchema, p.refunds).map(toRefundSnapshot),
  };
}

export function toSessionSnapshot(session: RawSession): SessionSnapshot {
  // The SDK reads `payout_list` before `payments` when both appear; so do we.
  const payouts = readList(PayoutSchema, session.payout_list ?? session.payments);
  const first = payouts.map(toPayoutSnapshot).find((p) => p !== undefined);
  return {
    sessionId: session.id,
    status: session.status ?? UNKNOWN_STATUS,
    nextAction: session.next_action,
    errorCode: session.error?.code,
    errorDescription: session.error?.description,
    errorRejectReasons: session.error?.reject_reasons,
    metadata: session.metadata,
    payout: first,
  };
}
