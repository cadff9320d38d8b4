/**
 * Who may act on a payout, as pure rules shared by the client (which refuses early, with a clear message)
 * and the workflow's Update validators (which decide). Deterministic: safe in the workflow sandbox.
 *
 * The identity is what the caller's own configuration or credential names (PAYOUT_OPERATOR_ID, or the
 * subject of the credential Temporal's authorizer accepted); the workflow cannot authenticate it, it can only
 * refuse what is missing or malformed and keep one identity from both starting and approving a payout.
 */

/** At most this long; printable, no control characters (the identity is shown in events and logs). */
export const MAX_OPERATOR_ID_LENGTH = 200;

/** Why `id` is not a usable operator identity, or undefined when it is. */
export function operatorIdentityProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.trim()) return 'the operator must be identified (no identity was sent)';
  if (id.length > MAX_OPERATOR_ID_LENGTH)
    return `the operator identity is longer than ${MAX_OPERATOR_ID_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) return 'the operator identity contains control characters';
  return undefined;
}

/** Identities compare trimmed and case-insensitively: `Alice` and `alice ` are one person. */
export function sameOperator(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The four-eyes rule: the identity that started a payout cannot approve it. Returns the refusal, or
 * undefined. A payout started without a recorded starter (before `startedBy` existed, or by a caller that
 * sent none) cannot be checked: allowed, and the caller notes it.
 */
export function fourEyesRefusal(
  startedBy: string | undefined,
  approver: string,
  enabled: boolean,
): string | undefined {
  if (!enabled || startedBy === undefined) return undefined;
  return sameOperator(startedBy, approver)
    ? `four-eyes rule: ${approver} started this payout and cannot approve it; another operator must`
    : undefined;
}
