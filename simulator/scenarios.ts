/**
 * How the simulated bank behaves for one payout. Chosen per workflow ID (tests, fault runs) or, for manual
 * use, by the last two digits of the amount in kopecks (see docs/simulator.md).
 */
export type WebhookType = 'ready_to_confirm' | 'payment_finished' | 'payment_refunded';

export interface Scenario {
  payoutResult: 'succeeded' | 'failed';
  failureCode: string;
  /** The bank's risk check cancels the session before it ever asks for confirmation. */
  bankCancelsBeforeConfirm: boolean;
  /** How many times each webhook is delivered. */
  webhookCopies: number;
  loseWebhooks: WebhookType[];
  /** payment_finished is delivered (and acknowledged) before the confirm HTTP response goes out. */
  finishedBeforeConfirmResponse: boolean;
  /** A stale ready_to_confirm is redelivered after payment_finished. */
  staleReadyAfterFinish: boolean;
  /** After confirm the session goes to `error` and stays there; no payment_finished. */
  sessionErrorAfterConfirm: boolean;
  /** Added to the amount the bank reports back (webhooks and status). */
  amountDelta: number;
  /** The bank reports another recipient (token and name). */
  recipientMismatch: boolean;
  /** init/payout answers this business error. */
  initRejectCode?: string;
  /** Only the payout's first this-many inits are refused (every one when omitted). */
  initRejectTimes?: number;
  /** The confirm is processed, then the connection is destroyed without a response. */
  confirmResponseLost: boolean;
  /** This long after success, the recipient's bank returns the payout (refund + `payment_refunded`). */
  refundAfterMs?: number;
  /** What SBP's recipient check finds for the phone: the name asked, another name, or nobody. */
  sbpVerification: 'match' | 'mismatch' | 'not_registered';
  /** Self-employed: the tax service never issues the receipt. */
  receiptFails: boolean;
  /** Self-employed: the receipt comes this long after success (status only), instead of in payment_finished. */
  receiptDelayMs?: number;
  /** This payout's bank is this slow to ask for the confirm and to finish (the bank's own delay when omitted). */
  processingDelayMs?: number;
}

export const SUCCESS: Scenario = {
  payoutResult: 'succeeded',
  failureCode: 'declined_by_issuer_bank',
  bankCancelsBeforeConfirm: false,
  webhookCopies: 1,
  loseWebhooks: [],
  finishedBeforeConfirmResponse: false,
  staleReadyAfterFinish: false,
  sessionErrorAfterConfirm: false,
  amountDelta: 0,
  recipientMismatch: false,
  confirmResponseLost: false,
  sbpVerification: 'match',
  receiptFails: false,
};

export const PRESETS = {
  success: {},
  payout_fails: { payoutResult: 'failed' },
  bank_cancels: { bankCancelsBeforeConfirm: true },
  duplicate_webhooks: { webhookCopies: 3 },
  out_of_order: { finishedBeforeConfirmResponse: true, staleReadyAfterFinish: true },
  lose_ready_webhook: { loseWebhooks: ['ready_to_confirm'] },
  lose_finished_webhook: { loseWebhooks: ['payment_finished'] },
  session_error_after_confirm: { sessionErrorAfterConfirm: true },
  amount_mismatch: { amountDelta: 100 },
  recipient_mismatch: { recipientMismatch: true },
  init_rejected: { initRejectCode: 'operation_rejected' },
  /** The wallet was spent between the payout's balance check and its init: the first init is refused. */
  wallet_short_at_init: { initRejectCode: 'insufficient_wallet_balance', initRejectTimes: 1 },
  confirm_response_lost: { confirmResponseLost: true },
  sbp_verification_mismatch: { sbpVerification: 'mismatch' },
  sbp_not_registered: { sbpVerification: 'not_registered' },
  receipt_fails: { receiptFails: true },
} as const satisfies Record<string, Partial<Scenario>>;

export type ScenarioName = keyof typeof PRESETS;
export const SCENARIO_NAMES = Object.keys(PRESETS) as ScenarioName[];

/** Last two digits of the amount (kopecks) → scenario, for trying scenarios by hand. */
export const SCENARIO_BY_KOPECKS: Record<number, ScenarioName> = {
  0: 'success',
  1: 'payout_fails',
  2: 'bank_cancels',
  3: 'duplicate_webhooks',
  4: 'out_of_order',
  5: 'lose_ready_webhook',
  6: 'lose_finished_webhook',
  7: 'session_error_after_confirm',
  8: 'amount_mismatch',
  9: 'recipient_mismatch',
  10: 'init_rejected',
  11: 'confirm_response_lost',
  12: 'wallet_short_at_init',
};

export function resolveScenario(spec: ScenarioName | Partial<Scenario>): Scenario {
  if (typeof spec !== 'string') return { ...SUCCESS, ...spec };
  const preset = PRESETS[spec] as Partial<Scenario> | undefined;
  if (preset === undefined) throw new Error(`unknown scenario "${spec}"`);
  return { ...SUCCESS, ...preset };
}

export function scenarioForAmount(amount: number): Scenario {
  return resolveScenario(SCENARIO_BY_KOPECKS[amount % 100] ?? 'success');
}
