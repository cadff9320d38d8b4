/**
 * The session and payout statuses Bank 131 documents. Apart from the zod schemas (schemas.ts) so that
 * workflow code can classify a session without building them: the worker evaluates a workflow's imports
 * once per workflow it creates.
 */
export const SESSION_STATUSES = ['created', 'in_progress', 'accepted', 'cancelled', 'error'] as const;
export const PAYOUT_STATUSES = ['pending', 'in_progress', 'succeeded', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export type BankPayoutStatus = (typeof PAYOUT_STATUSES)[number];
