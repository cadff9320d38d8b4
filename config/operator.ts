/**
 * Who this client is, for the payouts it starts and the decisions it sends: read from the client's own
 * configuration, never from a per-command flag. `PAYOUT_OPERATOR_ID` names it; when that is unset and the
 * client's Temporal credential is a JWT (`TEMPORAL_API_KEY`, or the `api_key` of its environment-configuration
 * profile, as resolved by config/temporal.ts), its `sub` claim does. When both are set they
 * must agree, so the name recorded in a payout is the one the credential was issued to. (The client does
 * not verify the token: the Temporal server's authorizer does, on every call made with it.)
 */
import { z } from 'zod';
import { operatorIdentityProblem, sameOperator } from '../policy/operators';
import { ConfigError, parse } from './env';

const OperatorSchema = z.object({
  PAYOUT_OPERATOR_ID: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
});

/** The `sub` claim of a JWT, or undefined for anything that is not one. */
export function credentialSubject(token: string | undefined): string | undefined {
  const payload = token?.split('.');
  if (payload?.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload[1]!, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' && claims.sub.trim() ? claims.sub.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The configured identity, or undefined when none is set (the client then refuses approve/reject/cancel). */
export function loadOperatorIdentity(
  env: NodeJS.ProcessEnv = process.env,
  /** The Temporal API key the client really connects with (a profile's `api_key` included). */
  temporalApiKey?: string,
): string | undefined {
  const o = parse(OperatorSchema, env, 'operator identity');
  const subject = credentialSubject(temporalApiKey ?? o.TEMPORAL_API_KEY);
  const configured = o.PAYOUT_OPERATOR_ID === '' ? undefined : o.PAYOUT_OPERATOR_ID;
  if (configured !== undefined) {
    const problem = operatorIdentityProblem(configured);
    if (problem) throw new ConfigError(`invalid PAYOUT_OPERATOR_ID: ${problem}`);
    if (subject !== undefined && !sameOperator(configured, subject))
      throw new ConfigError(
        `PAYOUT_OPERATOR_ID (${configured.trim()}) is not the subject of TEMPORAL_API_KEY (${subject}): act as the identity your credential names`,
      );
    return configured.trim();
  }
  if (subject !== undefined && operatorIdentityProblem(subject))
    throw new ConfigError(`the subject of TEMPORAL_API_KEY is not a usable operator identity`);
  return subject;
}
