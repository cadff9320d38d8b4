/**
 * `npm run payout -- <command>`: start, inspect and act on payouts from a terminal.
 *   start --id ID --amount KOPECKS [--currency rub] RECIPIENT --name NAME --description TEXT
 *     RECIPIENT: --token T | --bik B --account A | (--card-token T | --card-hash H) --last4 N [--brand B]
 *                | --phone P --bank-id ID; self-employed: add --inn INN --service "name:amount" (client/cli-recipient.ts)
 *   status ID | result ID | approve ID --by NAME [--comment C] | reject ID --by NAME [--comment C] | cancel ID --by NAME [--comment C]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadPayoutSettings, loadTemporalConfig, loadTracingConfig } from '../config';
import { DEMO_CODEC_KEYS_FILE } from '../config/local-demo';
import { startTracing } from '../observability/tracing';
import { connectClient } from '../temporal/client';
import { InvalidPayoutRequestError } from '../policy/payout-request';
import { RECIPIENT_OPTIONS, RecipientFlagsError, recipientFromFlags } from './cli-recipient';
import {
  PayoutActionRejectedError,
  PayoutConflictError,
  PayoutNotFoundError,
  PayoutsClient,
} from './payouts';

const USAGE = `usage:
  npm run payout -- start --id ID --amount KOPECKS [--currency rub] RECIPIENT --name "FULL NAME" --description "TEXT"
      RECIPIENT: --bik BIK --account ACCOUNT | --token TOKEN
               | (--card-token TOKEN | --card-hash HASH) --last4 NNNN [--brand visa]      (never a card number)
               | --phone 79XXXXXXXXX --bank-id SBP_BANK_ID                              (SBP; cannot be returned)
      self-employed: add --inn INN --service "name:amount[:quantity]" (repeat) [--payer-type legal --payer-inn INN --payer-name NAME]
  npm run payout -- status ID
  npm run payout -- result ID          (waits for the payout to finish)
  npm run payout -- approve ID --by OPERATOR [--comment TEXT]
  npm run payout -- reject ID --by OPERATOR [--comment TEXT]
  npm run payout -- cancel ID --by OPERATOR [--comment TEXT]`;

class UsageError extends Error {}

const OPTIONS = {
  id: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string', default: 'rub' },
  ...RECIPIENT_OPTIONS,
  description: { type: 'string' },
  by: { type: 'string' },
  comment: { type: 'string' },
} as const;

function buildStartInput(
  v: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'],
) {
  if (v.amount !== undefined && !/^-?\d+$/.test(v.amount))
    throw new UsageError('--amount must be an integer number of kopecks');
  let recipient: Record<string, unknown>;
  try {
    recipient = recipientFromFlags(v);
  } catch (err) {
    if (err instanceof RecipientFlagsError) throw new UsageError(err.message);
    throw err;
  }
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
  const temporal = loadTemporalConfig(process.env);
  if (!temporal.codecKeys && existsSync(DEMO_CODEC_KEYS_FILE)) {
    // Next to `npm start`: read its payloads with the demo's key rather than fail to decode them.
    process.stderr.write(
      `(using the local demo's payload key from ${path.relative(process.cwd(), DEMO_CODEC_KEYS_FILE)})\n`,
    );
    temporal.codecKeys = readFileSync(DEMO_CODEC_KEYS_FILE, 'utf8').trim();
  }
  const tracing = startTracing(loadTracingConfig(process.env, 'bank131-payout-cli'));
  const { client, connection } = await connectClient(temporal, { interceptors: tracing.clientInterceptors });
  const payouts = new PayoutsClient({
    client,
    taskQueue: temporal.taskQueue,
    policy: loadPayoutSettings(process.env).policy,
  });
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  const needId = () => {
    if (!id) throw new UsageError(`${command} needs a payout ID`);
    return id;
  };
  const operator = () => {
    if (!values.by) throw new UsageError(`${command} needs --by OPERATOR`);
    return { by: values.by, comment: values.comment };
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
    await tracing.shutdown();
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
    // The server's own words (e.g. "Request unauthorized." for a credential without the permission).
    const cause =
      err instanceof Error ? (err.cause as { details?: unknown; message?: unknown } | undefined) : undefined;
    const said = cause?.details ?? cause?.message;
    if (typeof said === 'string' && said) process.stderr.write(`cause: ${said}\n`);
    process.exit(1);
  },
);
