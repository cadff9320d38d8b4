/**
 * `npm run payout -- <command>`: start, inspect and act on payouts from a terminal.
 *   start --id ID --amount KOPECKS [--currency rub] (--token T | --bik B --account A) --name NAME --description TEXT
 *   status ID | result ID | approve ID [--comment C] | reject ID [--comment C] | cancel ID [--comment C]
 * Who acts (the payout's `startedBy`, the decision's `by`) is this client's configured identity,
 * PAYOUT_OPERATOR_ID, never a flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadOperatorIdentity, loadPayoutSettings, loadTemporalConfig } from '../config';
import { DEMO_CODEC_KEYS_FILE } from '../config/local-demo';
import { connectClient } from '../temporal/client';
import { InvalidPayoutRequestError } from '../policy/payout-request';
import {
  OperatorIdentityError,
  PayoutActionRejectedError,
  PayoutConflictError,
  PayoutNotFoundError,
  PayoutsClient,
} from './payouts';

const USAGE = `usage:
  npm run payout -- start --id ID --amount KOPECKS [--currency rub] (--token TOKEN | --bik BIK --account ACCOUNT) --name "FULL NAME" --description "TEXT"
  npm run payout -- status ID
  npm run payout -- result ID          (waits for the payout to finish)
  npm run payout -- approve ID [--comment TEXT]
  npm run payout -- reject ID [--comment TEXT]
  npm run payout -- cancel ID [--comment TEXT]
The operator is this client's identity: PAYOUT_OPERATOR_ID (set with your Temporal credential).`;

class UsageError extends Error {}

const OPTIONS = {
  id: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string', default: 'rub' },
  token: { type: 'string' },
  bik: { type: 'string' },
  account: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  /** Refused with a clear message: the identity comes from configuration. */
  by: { type: 'string' },
  comment: { type: 'string' },
} as const;

function buildStartInput(
  v: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'],
) {
  if (v.amount !== undefined && !/^-?\d+$/.test(v.amount))
    throw new UsageError('--amount must be an integer number of kopecks');
  const recipient = v.token
    ? { kind: 'token', token: v.token, fullName: v.name ?? '' }
    : { kind: 'account', bik: v.bik ?? '', account: v.account ?? '', fullName: v.name ?? '' };
  return {
    payoutId: v.id ?? '',
    amount: v.amount === undefined ? undefined : Number(v.amount),
    currency: v.currency,
    recipient,
    description: v.description ?? '',
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, id] = positionals;
  if (!command) throw new UsageError('missing command');
  if (values.by !== undefined)
    throw new UsageError(
      "--by is not accepted: the operator is this client's configured identity (PAYOUT_OPERATOR_ID)",
    );
  const operatorId = loadOperatorIdentity(process.env);
  const temporal = loadTemporalConfig(process.env);
  if (!temporal.codecKeys && existsSync(DEMO_CODEC_KEYS_FILE)) {
    // Next to `npm start`: read its payloads with the demo's key rather than fail to decode them.
    process.stderr.write(
      `(using the local demo's payload key from ${path.relative(process.cwd(), DEMO_CODEC_KEYS_FILE)})\n`,
    );
    temporal.codecKeys = readFileSync(DEMO_CODEC_KEYS_FILE, 'utf8').trim();
  }
  const { client, connection } = await connectClient(temporal);
  const payouts = new PayoutsClient({
    client,
    taskQueue: temporal.taskQueue,
    policy: loadPayoutSettings(process.env).policy,
    operator: operatorId,
  });
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  const needId = () => {
    if (!id) throw new UsageError(`${command} needs a payout ID`);
    return id;
  };
  const operator = () => {
    if (!operatorId) throw new UsageError(`${command} needs an operator identity: set PAYOUT_OPERATOR_ID`);
    return { comment: values.comment };
  };
  try {
    switch (command) {
      case 'start':
        print(await payouts.startPayout(buildStartInput(values)));
        return 0;
      case 'status': {
        const view = await payouts.getPayout(needId());
        print(view);
        // On stderr, so stdout stays one JSON document: a return is what an operator must not miss.
        for (const r of view.returns?.returns ?? []) {
          const amount = r.amount === undefined ? 'amount unknown' : `${r.amount} minor units`;
          const confirmed = r.confirmedByStatus ? 'confirmed by session/status' : 'webhook only';
          process.stderr.write(
            `RETURNED ${r.at}: refund ${r.refundId} (${r.status}), ${amount}, ${confirmed}\n`,
          );
        }
        return 0;
      }
      case 'result':
        print(await payouts.result(needId()));
        return 0;
      case 'approve':
        print(await payouts.approve(needId(), operator()));
        return 0;
      case 'reject':
        print(await payouts.reject(needId(), operator()));
        return 0;
      case 'cancel':
        print(await payouts.cancel(needId(), operator()));
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await connection.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known =
      err instanceof InvalidPayoutRequestError ||
      err instanceof PayoutConflictError ||
      err instanceof PayoutNotFoundError ||
      err instanceof PayoutActionRejectedError ||
      err instanceof OperatorIdentityError ||
      err instanceof ConfigError;
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(
      `error: ${known ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
