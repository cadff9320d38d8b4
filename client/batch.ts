/**
 * `batch FILE.csv`: many payouts from one file. Parsing and checking are pure (every problem of every row at
 * once; a row with any problem is never started); starting is idempotent through `startPayout` (payout ID =
 * workflow ID), so the same file run twice starts nothing new.
 */
import { parse } from 'csv-parse/sync';
import type { PolicyConfig } from '../policy/settings';
import { InvalidPayoutRequestError, parsePayoutRequest } from '../policy/payout-request';
import { requestHash } from '../policy/payout-request';
import type { PayoutRequest } from '../workflows/messages';

export const BATCH_COLUMNS = [
  'id',
  'amount',
  'currency',
  'bik',
  'account',
  'token',
  'name',
  'description',
] as const;
const REQUIRED_COLUMNS = ['id', 'amount', 'name', 'description'];

export class InvalidBatchFileError extends Error {
  override readonly name = 'InvalidBatchFileError';
}

export interface BatchRow {
  /** The line in the file (the header is line 1). */
  line: number;
  request: PayoutRequest;
}

export interface InvalidBatchRow {
  line: number;
  payoutId?: string;
  problems: string[];
}

export interface ParsedBatch {
  /** Data rows in the file. */
  total: number;
  /** Valid rows to start, each payout ID once. */
  rows: BatchRow[];
  invalid: InvalidBatchRow[];
}

/** The request a CSV row (or the CLI's `start` flags) describes, before validation. */
export function requestFromFields(f: Partial<Record<(typeof BATCH_COLUMNS)[number], string>>): {
  input: unknown;
  problems: string[];
} {
  const problems: string[] = [];
  const amount = f.amount?.trim();
  if (amount !== undefined && amount !== '' && !/^-?\d+$/.test(amount))
    problems.push('amount: must be an integer number of kopecks');
  const recipient = f.token
    ? { kind: 'token', token: f.token, fullName: f.name ?? '' }
    : { kind: 'account', bik: f.bik ?? '', account: f.account ?? '', fullName: f.name ?? '' };
  return {
    input: {
      payoutId: f.id ?? '',
      amount: amount === undefined || amount === '' || problems.length > 0 ? undefined : Number(amount),
      currency: f.currency || 'rub',
      recipient,
      description: f.description ?? '',
    },
    problems,
  };
}

export function parseBatchCsv(text: string, policy?: PolicyConfig): ParsedBatch {
  let records: string[][];
  try {
    const options = {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    };
    records = parse(text, options);
  } catch (err) {
    throw new InvalidBatchFileError(
      `not a readable CSV file: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const [header, ...body] = records;
  if (!header) throw new InvalidBatchFileError('the file is empty');
  const columns = header.map((h) => h.toLowerCase());
  const unknown = columns.filter((c) => !(BATCH_COLUMNS as readonly string[]).includes(c));
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (
    unknown.length ||
    missing.length ||
    !(columns.includes('token') || (columns.includes('bik') && columns.includes('account')))
  )
    throw new InvalidBatchFileError(
      `the header must name the columns ${BATCH_COLUMNS.join(',')} (token, or bik and account)` +
        (unknown.length ? `; unknown: ${unknown.join(', ')}` : '') +
        (missing.length ? `; missing: ${missing.join(', ')}` : ''),
    );

  const rows: BatchRow[] = [];
  const invalid: InvalidBatchRow[] = [];
  body.forEach((cells, index) => {
    const line = index + 2;
    const fields = Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
    const { input, problems } = requestFromFields(fields);
    if (cells.length !== columns.length)
      problems.push(`row has ${cells.length} cells, the header ${columns.length}`);
    let request: PayoutRequest | undefined;
    try {
      request = parsePayoutRequest(input, policy);
    } catch (err) {
      if (!(err instanceof InvalidPayoutRequestError)) throw err;
      problems.push(
        ...err.problems.filter(
          (p) => !(problems.some((q) => q.startsWith('amount:')) && p.startsWith('amount:')),
        ),
      );
    }
    if (request && problems.length === 0) rows.push({ line, request });
    else invalid.push({ line, payoutId: fields.id || undefined, problems });
  });

  // One ID twice with other details: which one the file means is unclear, so neither starts.
  const byId = new Map<string, BatchRow[]>();
  for (const row of rows) byId.set(row.request.payoutId, [...(byId.get(row.request.payoutId) ?? []), row]);
  const clashing = new Set<BatchRow>();
  for (const same of byId.values()) {
    if (new Set(same.map((r) => requestHash(r.request))).size <= 1) continue;
    for (const row of same) {
      clashing.add(row);
      const others = same.filter((r) => r !== row).map((r) => r.line);
      invalid.push({
        line: row.line,
        payoutId: row.request.payoutId,
        problems: [`id: also on line ${others.join(', ')} with other details`],
      });
    }
  }
  invalid.sort((a, b) => a.line - b.line);
  // Identical repeats start once (startPayout would find the first anyway).
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    if (clashing.has(r) || seen.has(r.request.payoutId)) return false;
    seen.add(r.request.payoutId);
    return true;
  });
  return { total: body.length, rows: unique, invalid };
}

export type BatchOutcome =
  | { line: number; payoutId: string; kind: 'started' | 'existing' }
  | { line: number; payoutId: string; kind: 'conflict' | 'error'; message: string };

export function formatBatchReport(parsed: ParsedBatch, outcomes: BatchOutcome[]): string {
  const lines: string[] = [];
  for (const row of parsed.invalid)
    lines.push(
      `line ${row.line}${row.payoutId ? ` (${row.payoutId})` : ''}: NOT STARTED: ${row.problems.join('; ')}`,
    );
  for (const o of outcomes)
    if (o.kind === 'conflict' || o.kind === 'error')
      lines.push(`line ${o.line} (${o.payoutId}): ${o.kind.toUpperCase()}: ${o.message}`);
  const count = (kind: BatchOutcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
  lines.push(
    `${parsed.total} rows: ${count('started')} started, ` +
      `${count('existing')} already started with the same details, ${parsed.invalid.length} invalid, ` +
      `${count('conflict')} conflicting with an existing payout, ${count('error')} failed to start`,
  );
  return lines.join('\n');
}
