/**
 * How the simulated bank behaves for one payout. Chosen per workflow ID (tests, fault runs) or, for trying
 * by hand, by the last two digits of the amount in kopecks (table in docs/simulator.md). A preset name is a
 * shorthand for an options object; options combine freely.
 */
import { z } from 'zod';

export const WEBHOOK_TYPES = ['ready_to_confirm', 'payment_finished'] as const;
export type SimWebhookType = (typeof WEBHOOK_TYPES)[number];

export const ScenarioSchema = z.strictObject({
  /** What happens to the payout once confirmed (default `succeeded`). */
  payoutResult: z.enum(['succeeded', 'failed']).optional(),
  /** The payout's error code when it fails (default `declined_by_issuer_bank`). */
  failureCode: z.string().min(1).optional(),
  failureDescription: z.string().min(1).optional(),
  /** The bank cancels (`operation_rejected`) right after sending ready_to_confirm, before any confirm can land. */
  bankCancels: z.boolean().optional(),
  /** How many times each webhook is delivered (default 1). */
  duplicateWebhooks: z.number().int().min(1).max(100).optional(),
  /** The same as `duplicateWebhooks`; the name the first callers used. */
  webhookCopies: z.number().int().min(1).max(100).optional(),
  /** Webhooks the bank never delivers; `session/status` still tells the truth. */
  loseWebhooks: z.array(z.enum(WEBHOOK_TYPES)).optional(),
  /** payment_finished is delivered, and acknowledged, before the confirm HTTP response goes out. */
  finishedBeforeConfirmResponse: z.boolean().optional(),
  /** The ready_to_confirm is delivered once more after payment_finished. */
  staleReadyAfterFinish: z.boolean().optional(),
  /** Deliver a session's webhooks all at once instead of one after another. */
  webhooksInParallel: z.boolean().optional(),
  /** After confirm the session goes to `error` and stays there; no payment_finished. */
  sessionErrorAfterConfirm: z.boolean().optional(),
  /** Added to the amount the bank reports from ready_to_confirm on (webhooks and status). */
  amountDelta: z.number().int().optional(),
  /** From ready_to_confirm on, the bank reports another recipient (token and full name). */
  recipientMismatch: z.boolean().optional(),
  /** init/payout answers this error code instead of creating a session. */
  initRejectCode: z.string().min(1).optional(),
  /** The confirm is processed, then the connection is destroyed without a response. */
  confirmResponseLost: z.boolean().optional(),
});
/** Scenario options; every field is optional and defaults to the bank simply paying. */
export type Scenario = z.infer<typeof ScenarioSchema>;

/** A scenario with every option decided. */
export interface ResolvedScenario {
  payoutResult: 'succeeded' | 'failed';
  failureCode: string;
  failureDescription: string;
  bankCancels: boolean;
  webhookCopies: number;
  loseWebhooks: readonly SimWebhookType[];
  finishedBeforeConfirmResponse: boolean;
  staleReadyAfterFinish: boolean;
  webhooksInParallel: boolean;
  sessionErrorAfterConfirm: boolean;
  amountDelta: number;
  recipientMismatch: boolean;
  initRejectCode?: string;
  confirmResponseLost: boolean;
}

export const PRESETS = {
  success: {},
  payout_fails: { payoutResult: 'failed' },
  bank_cancels: { bankCancels: true },
  duplicate_webhooks: { duplicateWebhooks: 3 },
  out_of_order: { finishedBeforeConfirmResponse: true, staleReadyAfterFinish: true },
  lose_ready_webhook: { loseWebhooks: ['ready_to_confirm'] },
  lose_finished_webhook: { loseWebhooks: ['payment_finished'] },
  session_error_after_confirm: { sessionErrorAfterConfirm: true },
  amount_mismatch: { amountDelta: 100 },
  recipient_mismatch: { recipientMismatch: true },
  init_rejected: { initRejectCode: 'insufficient_wallet_balance' },
  confirm_response_lost: { confirmResponseLost: true },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof PRESETS;
export const SCENARIO_NAMES = Object.keys(PRESETS) as [ScenarioName, ...ScenarioName[]];
export const ScenarioNameSchema = z.enum(SCENARIO_NAMES);

/** A preset name or an options object: what setScenario and `PUT /_sim/scenarios/:workflowId` accept. */
export const ScenarioSpecSchema = z.union([ScenarioNameSchema, ScenarioSchema]);

/** Last two digits of the amount in kopecks → scenario; anything unlisted pays. */
export const SCENARIO_BY_KOPECKS: Readonly<Record<number, ScenarioName>> = {
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
};

export function resolveScenario(spec: ScenarioName | Scenario): ResolvedScenario {
  const options: Scenario = ScenarioSchema.parse(
    typeof spec === 'string' ? PRESETS[ScenarioNameSchema.parse(spec)] : spec,
  );
  return {
    payoutResult: options.payoutResult ?? 'succeeded',
    failureCode: options.failureCode ?? 'declined_by_issuer_bank',
    failureDescription: options.failureDescription ?? 'Declined by the recipient bank',
    bankCancels: options.bankCancels ?? false,
    webhookCopies: options.duplicateWebhooks ?? options.webhookCopies ?? 1,
    loseWebhooks: options.loseWebhooks ?? [],
    finishedBeforeConfirmResponse: options.finishedBeforeConfirmResponse ?? false,
    staleReadyAfterFinish: options.staleReadyAfterFinish ?? false,
    webhooksInParallel: options.webhooksInParallel ?? false,
    sessionErrorAfterConfirm: options.sessionErrorAfterConfirm ?? false,
    amountDelta: options.amountDelta ?? 0,
    recipientMismatch: options.recipientMismatch ?? false,
    initRejectCode: options.initRejectCode,
    confirmResponseLost: options.confirmResponseLost ?? false,
  };
}

export function scenarioNameForAmount(amount: number): ScenarioName {
  return SCENARIO_BY_KOPECKS[amount % 100] ?? 'success';
}
