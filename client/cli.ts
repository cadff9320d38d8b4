/**
 * `npm run payout -- <command>`: start, find, inspect and act on payouts from a terminal. Formatting lives in
 * client/format.ts (pure, unit-tested); this file wires commands to PayoutsClient and the terminal.
 *   start … RECIPIENT: --token T | --bik B --account A | (--card-token T | --card-hash H) --last4 N [--brand B]
 *                | --phone P --bank-id ID; self-employed: add --inn INN --service "name:amount" (client/cli-recipient.ts)
 * Who acts (the payout's `startedBy`, the decision's `by`) is this client's configured identity,
 * PAYOUT_OPERATOR_ID, never a flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import {
  ConfigError,
  loadOperatorIdentity,
  loadPayoutSettings,
  loadTemporalConfig,
  loadTracingConfig,
} from '../config';
import { DEMO_CODEC_KEYS_FILE } from '../config/local-demo';
import { startTracing } from '../observability/tracing';
import { connectClient } from '../temporal/client';
import { InvalidPayoutRequestError } from '../policy/payout-request';
import { RECIPIENT_OPTIONS, RecipientFlagsError, recipientFromFlags } from './cli-recipient';
import { formatBatchReport, InvalidBatchFileError, parseBatchCsv, type BatchOutcome } from './batch';
import { formatEvent, formatPayoutList, formatPayoutStatus, newEvents } from './format';
import { InvalidListFilterError } from './payout-list';
import {
  OperatorIdentityError,
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
  npm run payout -- status ID [--json] [--follow]   (--follow prints new events until the payout ends)
  npm run payout -- result ID                       (waits for the payout to finish)
  npm run payout -- list [--status unknown] [--step awaiting_approval] [--min-amount KOPECKS] [--since 2h|2026-11-25] [--limit 100] [--json]
  npm run payout -- batch FILE.csv [--concurrency 8] (columns: id,amount,currency,bik,account,token,name,description)
  npm run payout -- approve ID [--comment TEXT]
  npm run payout -- reject ID [--comment TEXT]
  npm run payout -- cancel ID [--comment TEXT]
The operator is this client's identity: PAYOUT_OPERATOR_ID (set with your Temporal credential).`;

class UsageError extends Error {}

const OPTIONS = {
  id: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string', default: 'rub' },
  ...RECIPIENT_OPTIONS,
  description: { type: 'string' },
  /** Refused with a clear message: the identity comes from configuration. */
  by: { type: 'string' },
  comment: { type: 'string' },
  json: { type: 'boolean', default: false },
  follow: { type: 'boolean', short: 'f', default: false },
  status: { type: 'string' },
  step: { type: 'string' },
  'min-amount': { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string', default: '100' },
  concurrency: { type: 'string', default: '8' },
  'poll-interval': { type: 'string', default: '1000' },
} as const;
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function buildStartInput(v: Values) {
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

const out = (text: string) => process.stdout.write(`${text}\n`);
const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

function positiveInt(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive integer`);
  return Number(value);
}

async function status(payouts: PayoutsClient, id: string, v: Values): Promise<number> {
  const view = await payouts.getPayout(id);
  if (!v.follow) {
    if (v.json) {
      printJson(view);
      // On stderr, so stdout stays one JSON document: a return is what an operator must not miss.
      for (const r of view.returns?.returns ?? []) {
        const amount = r.amount === undefined ? 'amount unknown' : `${r.amount} minor units`;
        const confirmed = r.confirmedByStatus ? 'confirmed by session/status' : 'webhook only';
        process.stderr.write(
          `RETURNED ${r.at}: refund ${r.refundId} (${r.status}), ${amount}, ${confirmed}\n`,
        );
      }
    } else out(formatPayoutStatus(view));
    return 0;
  }
  // --follow: every event once, as it happens, until the workflow is closed.
  const interval = positiveInt(v['poll-interval'], '--poll-interval');
  let printed = 0;
  for (let current = view; ; current = await payouts.getPayout(id)) {
    const fresh = newEvents(printed, current.state.events);
    printed = current.state.events.length;
    for (const e of fresh) out(v.json ? JSON.stringify(e) : formatEvent(e));
    if (current.workflowStatus !== 'RUNNING') {
      if (!v.json)
        out(
          `${current.workflowStatus}: ${current.state.outcome ?? current.state.step}${current.returned ? ' (RETURNED)' : ''}`,
        );
      return current.state.outcome === 'unknown' ? 3 : 0;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

async function list(payouts: PayoutsClient, v: Values): Promise<number> {
  const items = await payouts.listPayouts(
    { status: v.status, step: v.step, minAmount: v['min-amount'], since: v.since },
    positiveInt(v.limit, '--limit'),
  );
  out(v.json ? JSON.stringify(items, null, 2) : formatPayoutList(items));
  return 0;
}

async function batch(
  payouts: PayoutsClient,
  file: string,
  v: Values,
  policy: Parameters<typeof parseBatchCsv>[1],
): Promise<number> {
  const parsed = parseBatchCsv(readFileSync(file, 'utf8'), policy);
  const outcomes: BatchOutcome[] = [];
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      'starting payouts [{bar}] {value}/{total}  {started} started, {existing} existing, {failed} failed',
    hideCursor: true,
  });
  const tally = () => ({
    started: outcomes.filter((o) => o.kind === 'started').length,
    existing: outcomes.filter((o) => o.kind === 'existing').length,
    failed: outcomes.filter((o) => o.kind === 'conflict' || o.kind === 'error').length,
  });
  bar.start(parsed.rows.length, 0, tally());
  const queue = [...parsed.rows];
  const workers = Array.from(
    { length: Math.min(positiveInt(v.concurrency, '--concurrency'), queue.length) },
    async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const { line, request } = row;
        try {
          const started = await payouts.startPayout(request);
          outcomes.push({ line, payoutId: request.payoutId, kind: started.created ? 'started' : 'existing' });
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          outcomes.push({
            line,
            payoutId: request.payoutId,
            kind: err instanceof PayoutConflictError ? 'conflict' : 'error',
            message,
          });
        }
        bar.increment(1, tally());
      }
    },
  );
  await Promise.all(workers);
  bar.stop();
  outcomes.sort((a, b) => a.line - b.line);
  out(formatBatchReport(parsed, outcomes));
  const clean =
    parsed.invalid.length === 0 && outcomes.every((o) => o.kind === 'started' || o.kind === 'existing');
  return clean ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, id] = positionals;
  if (!command) throw new UsageError('missing command');
  if (values.by !== undefined)
    throw new UsageError(
      "--by is not accepted: the operator is this client's configured identity (PAYOUT_OPERATOR_ID)",
    );
  const temporal = loadTemporalConfig(process.env);
  const operatorId = loadOperatorIdentity(process.env, temporal.apiKey);
  if (!temporal.codecKeys && existsSync(DEMO_CODEC_KEYS_FILE)) {
    // Next to `npm start`: read its payloads with the demo's key rather than fail to decode them.
    process.stderr.write(
      `(using the local demo's payload key from ${path.relative(process.cwd(), DEMO_CODEC_KEYS_FILE)})\n`,
    );
    temporal.codecKeys = readFileSync(DEMO_CODEC_KEYS_FILE, 'utf8').trim();
  }
  const policy = loadPayoutSettings(process.env).policy;
  const tracing = startTracing(loadTracingConfig(process.env, 'bank131-payout-cli'));
  const { client, connection } = await connectClient(temporal, { interceptors: tracing.clientInterceptors });
  const payouts = new PayoutsClient({ client, taskQueue: temporal.taskQueue, policy, operator: operatorId });
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
        printJson(await payouts.startPayout(buildStartInput(values)));
        return 0;
      case 'status':
        return await status(payouts, needId(), values);
      case 'list':
        return await list(payouts, values);
      case 'batch':
        if (!id) throw new UsageError('batch needs a CSV file');
        return await batch(payouts, id, values, policy);
      case 'result':
        printJson(await payouts.result(needId()));
        return 0;
      case 'approve':
        printJson(await payouts.approve(needId(), operator()));
        return 0;
      case 'reject':
        printJson(await payouts.reject(needId(), operator()));
        return 0;
      case 'cancel':
        printJson(await payouts.cancel(needId(), operator()));
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
      err instanceof InvalidListFilterError ||
      err instanceof InvalidBatchFileError ||
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
    // The server's own words (e.g. "Request unauthorized." for a credential without the permission).
    const cause =
      err instanceof Error ? (err.cause as { details?: unknown; message?: unknown } | undefined) : undefined;
    const said = cause?.details ?? cause?.message;
    if (typeof said === 'string' && said) process.stderr.write(`cause: ${said}\n`);
    process.exit(1);
  },
);
