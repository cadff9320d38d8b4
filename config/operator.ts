/**
 * Who this client is, for the payouts it starts and the decisions it sends: read from the client's own
 * configuration (`PAYOUT_OPERATOR_ID`), never from a per-command flag. Deployments give each operator and each
 * backend its own value alongside its own Temporal credential (certificate or API key), so the name recorded
 * in a payout is the one the credential belongs to.
 */
import { z } from 'zod';
import { operatorIdentityProblem } from '../policy/operators';
import { ConfigError, parse } from './env';

const OperatorSchema = z.object({
  PAYOUT_OPERATOR_ID: z.string().optional(),
});

/** The configured identity, or undefined when none is set (the client then refuses approve/reject/cancel). */
export function loadOperatorIdentity(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = parse(OperatorSchema, env, 'operator identity').PAYOUT_OPERATOR_ID;
  if (id === undefined || id === '') return undefined;
  const problem = operatorIdentityProblem(id);
  if (problem) throw new ConfigError(`invalid PAYOUT_OPERATOR_ID: ${problem}`);
  return id.trim();
}
