/**
 * The payout workflow's public contract: its input, state, result, and the signals, queries and updates
 * that reach it. Shared by the workflow, the client, the gateway and the tests; holds no logic.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { WebhookType } from '../bank131/schemas';
import type { RefundSnapshot, SessionSnapshot } from '../bank131/session';
import type { PolicyDecision } from '../policy/settings';
import type { StartedCallback } from './backend-callback';
import type * as workflows from './index';

/** The workflows' type names: the names of the functions workflows/index.ts exports (the compiler checks). */
type WorkflowType = keyof typeof workflows;
export const PAYOUT_WORKFLOW_TYPE = 'payoutWorkflow' satisfies WorkflowType;
export const WEBHOOK_INBOX_WORKFLOW_TYPE = 'webhookInboxWorkflow' satisfies WorkflowType;
export const PAYOUT_RETURNS_WORKFLOW_TYPE = 'payoutReturnsWorkflow' satisfies WorkflowType;
/** The workflow functions as types, for typed starts and handles: `workflow.start<PayoutWorkflow>(PAYOUT_WORKFLOW_TYPE, …)`. */
export type PayoutWorkflow = typeof workflows.payoutWorkflow;
export type WebhookInboxWorkflow = typeof workflows.webhookInboxWorkflow;
export type PayoutReturnsWorkflow = typeof workflows.payoutReturnsWorkflow;

/** One returns workflow per payout, so the gateway and the client find it from the payout's workflow ID. */
export function payoutReturnsWorkflowId(payoutWorkflowId: string): string {
  return `returns-${payoutWorkflowId}`;
}

/**
 * The recipient: a token the bank issued earlier, account details to tokenize, a card (token or the widget's
 * number hash, never a PAN), an SBP phone + bank ID, or a self-employed person paid by one of those with the
 * taxpayer details for the receipt. Rules and identification: policy/recipients.ts.
 */
export type Recipient = Payee | SelfEmployedRecipient;
export type Payee =
  | { kind: 'token'; token: string; fullName: string }
  | { kind: 'account'; bik: string; account: string; fullName: string }
  | CardRecipient
  | SbpRecipient;
export interface CardRecipient {
  kind: 'card';
  /** Exactly one of `token` (tokenize/elements, recurring) and `numberHash` (the widget's encrypted number). */
  token?: string;
  numberHash?: string;
  /** What the bank must show in ready_to_confirm: the card's last 4 digits (token/info), and its brand if known. */
  last4: string;
  brand?: string;
  fullName: string;
}
export interface SbpRecipient {
  kind: 'sbp';
  /** 11 digits starting with 7, as in the bank's examples (`79680000000`). */
  phone: string;
  /** The recipient's bank in SBP, from `fps/banks` (`100000000069`). */
  bankId: string;
  fullName: string;
}
export interface TaxpayerDetails {
  /** The self-employed person's INN: 12 digits. */
  taxReference: string;
  /** Receipt lines; their amounts add up to the payout's amount. */
  services: { name: string; amount: number; quantity: number }[];
  payerType?: 'legal' | 'individual' | 'foreign';
  payerTaxNumber?: string;
  payerName?: string;
}
export interface SelfEmployedRecipient {
  kind: 'selfEmployed';
  fullName: string;
  /** How the money goes: the same details as a plain payout, without the name (it is `fullName`). */
  payTo: DistributiveOmit<Payee, 'fullName'>;
  taxpayer: TaxpayerDetails;
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface PayoutRequest {
  payoutId: string;
  /** Minor units (kopecks). */
  amount: number;
  currency: string;
  recipient: Recipient;
  description: string;
}

export interface PayoutWorkflowInput {
  request: PayoutRequest;
  /** sha256 of the canonical request, so a second start with the same ID but other data is refused. */
  requestHash: string;
  /**
   * The identity that started the payout (the client's PAYOUT_OPERATOR_ID or credential subject), for the
   * four-eyes rule. Optional: histories and callers from before it existed have none, and then the rule
   * cannot be checked (the approval records that).
   */
  startedBy?: string;
}

/**
 * The webhook types a payout acts on (of the bank's `WEBHOOK_TYPES`), each delivered as the signal of the same
 * name; the gateway records any other type in the inbox. Adding one: here, its signal below, the gateway's map.
 */
export const WEBHOOK_SIGNAL_TYPES = [
  'ready_to_confirm',
  'payment_finished',
  'payment_refunded',
] as const satisfies readonly WebhookType[];
export type WebhookSignalType = (typeof WEBHOOK_SIGNAL_TYPES)[number];

/** What the gateway signals for each verified webhook. */
export interface WebhookSignal {
  type: string;
  dedupKey: string;
  session: SessionSnapshot;
  /** When the gateway received it (ISO); informative only. */
  receivedAt: string;
}

export const readyToConfirmSignal = defineSignal<[WebhookSignal], WebhookSignalType>('ready_to_confirm');
export const paymentFinishedSignal = defineSignal<[WebhookSignal], WebhookSignalType>('payment_finished');
export const paymentRefundedSignal = defineSignal<[WebhookSignal], WebhookSignalType>('payment_refunded');
export type WebhookSignalDefinition = typeof readyToConfirmSignal;
/** What the inbox keeps of a webhook: the signal, why it is there, and for unreadable bodies the body itself. */
export type InboxWebhook = WebhookSignal & {
  reason: string;
  workflowId?: string;
  /** For an authentic body we could not read: why, and the body (bounded) so nothing the bank said is lost. */
  parseError?: string;
  raw?: string;
};

/** Sent to the inbox workflow for webhooks that match no running payout, or that we could not read. */
export const unmatchedWebhookSignal = defineSignal<[InboxWebhook]>('unmatched_webhook');

/** Tells a payout an authentic webhook about it could not be read: it asks the bank (`session/status`) now. */
export const webhookUnreadableSignal =
  defineSignal<[{ receivedAt: string; sessionId?: string; type?: string }]>('webhook_unreadable');

export type PayoutStep =
  | 'starting'
  /** Claiming the payout ID and reserving velocity in the payout registry (no bank call yet). */
  | 'registering'
  /** SBP: `fps/banks` and `fps/customer_verification` before init. */
  | 'checking_recipient'
  /** `wallet/balance` does not cover the payout: re-read with backoff, nothing initiated yet. */
  | 'awaiting_funds'
  | 'tokenizing'
  | 'initiating'
  | 'awaiting_ready'
  | 'deciding'
  | 'awaiting_approval'
  | 'confirming'
  | 'cancelling'
  | 'awaiting_finish'
  | 'reconciling'
  /** Self-employed: the payout succeeded; waiting for the bank's receipt (the outcome is already known). */
  | 'awaiting_receipt'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'unknown';

export type PayoutOutcome = 'succeeded' | 'failed' | 'cancelled' | 'unknown';

export type CancelReason =
  | 'policy'
  | 'operator'
  | 'approval_rejected'
  | 'approval_timeout'
  | 'bank'
  | 'bank_confirm_timeout'
  | 'recipient_rejected'
  /** SBP: the bank's recipient check said the phone is not registered at that bank, or under another name. */
  | 'recipient_verification'
  /** The wallet balance did not cover the payout within the configured wait; nothing was initiated. */
  | 'insufficient_funds'
  /** The bank refused our confirm and still awaited a decision: we cancelled so nothing can move later. */
  | 'confirm_rejected';

export interface PayoutEvent {
  at: string;
  kind: string;
  detail?: string;
}

interface Approval {
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  comment?: string;
}

/** The bank's own words when it refused a step or answered in a way we could not recognise. */
export interface BankError {
  endpoint: string;
  code: string;
  description?: string;
  rejectReasons?: unknown[];
}

/** SBP checks before init: the bank list and the recipient check, as the bank answered them. */
export interface SbpCheck {
  /** `fps/banks` lists the bank ID; absent when the list could not be read. */
  bankListed?: boolean;
  bankName?: string;
  verification?: 'verified' | 'name_mismatch' | 'not_registered' | 'unanswered' | 'off';
  /** The name the bank's check returned, as it sent it (may be abbreviated). */
  verifiedName?: string;
  verificationSessionId?: string;
  detail?: string;
}

/** The balance check before init. */
export interface FundsCheck {
  balance?: number;
  currency: string;
  checkedAt: string;
  checks: number;
  waitingSince?: string;
}

/** The typed view returned by the `status` query. */
export interface PayoutState {
  payoutId: string;
  step: PayoutStep;
  amount: number;
  currency: string;
  /** Kind and a masked description (`SBP 7968***0000 at bank 100000000069`, `card visa *4242`). */
  recipient?: string;
  sbpCheck?: SbpCheck;
  funds?: FundsCheck;
  /** Self-employed: the receipt, and whether the bank's deadline passed without one. */
  receipt?: { id: string; link?: string };
  receiptMissing?: boolean;
  recipientMaskedAccount?: string;
  sessionId?: string;
  bankPayoutId?: string;
  bankSessionStatus?: string;
  bankPayoutStatus?: string;
  decision?: PolicyDecision;
  approval?: Approval;
  cancelRequest?: { by: string; reason?: string; at: string };
  outcome?: PayoutOutcome;
  cancelReason?: CancelReason;
  errorCode?: string;
  /** The last refusal or unrecognised answer from the bank, as it was sent. */
  bankError?: BankError;
  /** False when `token/info` could not confirm a caller's token (the recipient check still guards the money). */
  tokenVerified?: boolean;
  /** Sessions that named this payout in a webhook but were not (yet) confirmed ours by the bank's status. */
  unverifiedSessions?: string[];
  fee?: { amount?: number; currency?: string };
  rrn?: string;
  finishedAt?: string;
  returned: boolean;
  /** Returns (refunds) the bank reported while this workflow ran; later ones: the returns workflow. */
  returns?: RefundSnapshot[];
  createdAt: string;
  updatedAt: string;
  /** Ordered log of everything that happened, webhooks included (duplicates noted, never applied twice). */
  events: PayoutEvent[];
  /** Dedup keys of webhooks already applied. */
  seenWebhooks: string[];
  /** Callbacks to the backend this payout started (delivery attempts: `PayoutsClient.getPayout`). */
  callbacks?: StartedCallback[];
}

export interface PayoutResult {
  payoutId: string;
  outcome: PayoutOutcome;
  sessionId?: string;
  bankPayoutId?: string;
  errorCode?: string;
  cancelReason?: CancelReason;
  /** The bank's refusal, when the payout failed or was cancelled because of one. */
  bankError?: BankError;
  fee?: { amount?: number; currency?: string };
  /** Interbank reference (`transaction_info.rrn`) of a finished payout. */
  rrn?: string;
  finishedAt?: string;
  returned: boolean;
  /** Self-employed payouts: the receipt (`id`, `link`), or `receiptMissing` once the deadline passed. */
  receipt?: { id: string; link?: string };
  receiptMissing?: boolean;
}

/** What an approve/reject/cancel Update carries: `by` is the client's configured identity, never a flag. */
export interface OperatorAction {
  by: string;
  comment?: string;
}

export const statusQuery = defineQuery<PayoutState>('status');
export const approveUpdate = defineUpdate<PayoutState, [OperatorAction]>('approve');
export const rejectUpdate = defineUpdate<PayoutState, [OperatorAction]>('reject');
export const cancelUpdate = defineUpdate<PayoutState, [OperatorAction]>('cancel');

export interface WebhookInboxState {
  sessionId: string;
  webhooks: InboxWebhook[];
  /** Runs of this inbox that continued-as-new; their webhooks stay queryable by run ID. */
  earlierRuns?: { runId: string; webhooks: number }[];
}
export const inboxQuery = defineQuery<WebhookInboxState>('inbox');

export interface PayoutReturnsInput {
  payoutWorkflowId: string;
  payoutId: string;
  /** The session of the first refund webhook; later ones may name another and are checked the same way. */
  sessionId: string;
}

/** Money the recipient's bank sent back after the payout finished. */
interface PayoutReturn {
  refundId: string;
  status: string;
  /** Minor units, as the bank reported it. */
  amount?: number;
  /** When the webhook reached the gateway (ISO). */
  at: string;
  sessionId: string;
  /** The bank's `session/status` showed this refund too; the webhook alone is already signature-verified. */
  confirmedByStatus: boolean;
}

/** A refund webhook naming this payout whose session, by `session/status`, belongs to another one. */
interface ForeignRefund {
  sessionId: string;
  refundIds: string[];
  at: string;
  /** The workflow ID the bank's session carries instead, when it carries one. */
  sessionWorkflowId?: string;
  dedupKey: string;
}

export interface PayoutReturnsState {
  payoutId: string;
  payoutWorkflowId: string;
  sessionId: string;
  returns: PayoutReturn[];
  foreign: ForeignRefund[];
  /** Callbacks to the backend, one per return attached. */
  callbacks?: StartedCallback[];
}
export const returnsQuery = defineQuery<PayoutReturnsState>('returns');
