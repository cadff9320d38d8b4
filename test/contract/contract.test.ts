/**
 * Contract tests: every body of the corpus (`corpus.ts`) against the client's current code.
 *
 * Coupling is kept to two small functions at the top, so a rewrite of the client's parsing only has to
 * re-point them: `parseWithClient` (every call into the parsing code) and `sendThroughActivities` (the request
 * bodies, built the way `activities/index.ts` builds them and sent through the real client to a loopback
 * server). Where today's client misses something the real bank may send, the full expectation is kept in an
 * `it.fails` case (see KNOWN_GAPS), which flips to a failure once the client is fixed: then delete the gap.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { Bank131Client, readBankError, tokenInfoMaskedAccount } from '../../bank131/client';
import {
  SessionResponseSchema,
  TokenInfoResponseSchema,
  TokenizeResponseSchema,
  WebhookSchema,
  type RawSession,
} from '../../bank131/schemas';
import { toSessionSnapshot } from '../../bank131/session-read';
import { metadataOf } from '../../bank131/session';
import { generateKeyPairPem } from '../../bank131/signature';
import type { PayoutSettings } from '../../policy/settings';
import { createLogger } from '../../observability/logger';
import { CORPUS, type CorpusEntry, type Endpoint, type Expect } from './corpus';

type Facts = Omit<Expect, 'fieldPaths'>;
type Parsed = { ok: true; facts: Facts } | { ok: false; why: string };

// ================================================================ adapter: the client's parsing code

function sessionFacts(raw: RawSession): Facts {
  const s = toSessionSnapshot(raw);
  const p = s.payout;
  return {
    sessionId: s.sessionId,
    sessionStatus: s.status,
    nextAction: s.nextAction,
    sessionErrorCode: s.errorCode,
    payoutId: p?.id,
    payoutStatus: p?.status,
    amount: p?.amount,
    currency: p?.currency,
    maskedAccount: p?.recipientMaskedAccount,
    token: p?.recipientToken,
    fullName: p?.recipientFullName,
    workflowId: metadataOf(s)?.workflowId,
    errorCode: p?.errorCode ?? s.errorCode,
    errorDescription: p?.errorDescription ?? s.errorDescription,
    refundIds: p?.refunds.map((r) => r.id),
    fee: p?.fee as Facts['fee'],
    rrn: p?.rrn,
  };
}

/** The one place that calls the client's parsing code. Re-point this when the client's parsing changes. */
function parseWithClient(entry: CorpusEntry, body: unknown): Parsed {
  const fail = (issues: { path: PropertyKey[]; message: string }[]): Parsed => ({
    ok: false,
    why: issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  });
  switch (entry.kind) {
    case 'webhook': {
      const r = WebhookSchema.safeParse(body);
      return r.success ? { ok: true, facts: sessionFacts(r.data.session) } : fail(r.error.issues);
    }
    case 'error': {
      // What the client throws Bank131BusinessError(code, description, rejectReasons) from.
      const e = readBankError(body);
      return e
        ? {
            ok: true,
            facts: {
              errorCode: e.code,
              errorDescription: e.description,
              rejectReasons: e.reject_reasons?.length,
            },
          }
        : { ok: false, why: 'no Bank 131 error object' };
    }
    case 'response':
      if (entry.endpoint === 'tokenize') {
        const r = TokenizeResponseSchema.safeParse(body);
        return r.success
          ? { ok: true, facts: { token: r.data.token, maskedAccount: r.data.data?.masked_account } }
          : fail(r.error.issues);
      }
      if (entry.endpoint === 'token/info') {
        const r = TokenInfoResponseSchema.safeParse(body);
        return r.success
          ? { ok: true, facts: { maskedAccount: tokenInfoMaskedAccount(r.data) } }
          : fail(r.error.issues);
      }
      {
        const r = SessionResponseSchema.safeParse(body);
        return r.success ? { ok: true, facts: sessionFacts(r.data.session) } : fail(r.error.issues);
      }
    case 'request':
      return { ok: false, why: 'requests are not parsed' };
  }
}

// ================================================================ adapter: the request bodies we send

const loadBody = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`./bodies/${file}`, import.meta.url), 'utf8')) as unknown;

/** Response bodies the loopback bank answers with, so every call succeeds. */
const ANSWERS: Record<Endpoint, string> = {
  tokenize: 'res-tokenize-ok.json',
  'token/info': 'res-token-info-ok-guess.json',
  'session/init/payout': 'res-init-payout-v1-ok.json',
  'session/confirm': 'res-confirm-ok.json',
  'session/cancel': 'res-cancel-ok.json',
  'session/status': 'res-status-accepted-succeeded.json',
};

interface InitBody {
  payment_method: { bank_account: { ru: { token: string; full_name: string; description: string } } };
  amount_details: { amount: number; currency: string };
  metadata: string;
}

/**
 * The one place that builds request bodies: the activities, over the real client, to a loopback server.
 * Inputs are taken from the corpus request files, so the bodies sent can be compared with them whole.
 */
async function sendThroughActivities(baseUrl: string): Promise<void> {
  const keys = generateKeyPairPem();
  const bank131 = new Bank131Client({
    baseUrl,
    projectId: 'contract',
    privateKeyPem: keys.privateKeyPem,
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
    maxConnections: 1,
  });
  const activities = createActivities({
    bank131,
    settings: {} as PayoutSettings,
    logger: createLogger('contract', 'silent'),
  });
  try {
    const tok = loadBody('req-tokenize.json') as { bank_account_ru: { bik: string; account: string } };
    await activities.tokenizeAccount({ workflowId: 'payout-7f3c9a1e', ...tok.bank_account_ru });
    const info = loadBody('req-token-info.json') as { bank_account_ru: { token: string } };
    await activities.getTokenInfo({ token: info.bank_account_ru.token });
    const init = loadBody('req-init-payout-v1.json') as InitBody;
    const ru = init.payment_method.bank_account.ru;
    const [workflowId, runTag] = init.metadata.split('/') as [string, string];
    await activities.initPayout({
      workflowId,
      runTag,
      token: ru.token,
      fullName: ru.full_name,
      description: ru.description,
      amount: init.amount_details.amount,
      currency: init.amount_details.currency,
    });
    const { session_id: sessionId } = loadBody('req-confirm.json') as { session_id: string };
    await activities.confirmPayout({ workflowId, sessionId });
    await activities.cancelPayout({ workflowId, sessionId });
    await activities.getSessionStatus({ sessionId });
  } finally {
    await bank131.close();
  }
}

// ================================================================ tests

/**
 * Where today's client fails on a body the real bank may send. `keys`: the facts it gets wrong ('parse': it
 * rejects the body outright). Each line is the client gap the case shows.
 */
const KNOWN_GAPS: Record<string, { keys: (keyof Facts)[] | 'parse'; gap: string }> = {
  // None today: the fee, rrn, error bodies without `status` and reject_reasons gaps were closed.
};

const pick = (facts: Facts, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(keys.map((k) => [k, facts[k as keyof Facts]]));

function check(entry: CorpusEntry, keys: string[]): void {
  const parsed = parseWithClient(entry, loadBody(entry.file));
  if (!parsed.ok) throw new Error(`the client rejects ${entry.file}: ${parsed.why}`);
  const want = entry.expect as Record<string, unknown>;
  expect(pick(parsed.facts, keys)).toEqual(Object.fromEntries(keys.map((k) => [k, want[k]])));
}

/** Leaf field paths of a JSON value, arrays as `[]`, sorted. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => leafPaths(v, `${prefix}[]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k))
      .sort();
  }
  return [prefix];
}

describe('contract corpus: the manifest', () => {
  it.each(CORPUS.map((e) => [e.file, e] as const))('%s exists, is JSON and cites a source', (_f, entry) => {
    expect(() => loadBody(entry.file)).not.toThrow();
    expect(entry.sources.length).toBeGreaterThan(0);
    for (const s of [...entry.sources, ...Object.values(entry.fields)]) {
      expect(s).toMatch(/^(https:\/\/|bank131\/php-sdk@[0-9a-f]{40}:)/);
    }
  });

  it('every known gap names a corpus file', () => {
    const files = new Set(CORPUS.map((e) => e.file));
    for (const f of Object.keys(KNOWN_GAPS)) expect(files).toContain(f);
  });
});

describe('contract corpus: bodies the bank sends, parsed by the client', () => {
  for (const entry of CORPUS.filter((e) => e.kind !== 'request')) {
    const keys = Object.keys(entry.expect).filter((k) => k !== 'fieldPaths');
    const gap = KNOWN_GAPS[entry.file];
    const label = `${entry.kind} ${'endpoint' in entry ? entry.endpoint : entry.webhookType}: ${entry.file}`;
    if (!gap) {
      it(label, () => check(entry, keys));
      continue;
    }
    if (gap.keys !== 'parse') {
      const gapKeys: string[] = gap.keys;
      it(`${label} (what the client gets right today)`, () =>
        check(
          entry,
          keys.filter((k) => !gapKeys.includes(k)),
        ));
    }
    it.fails(`${label} — client gap: ${gap.gap}`, () => check(entry, keys));
  }
});

describe('contract corpus: bodies we send', () => {
  const sent = new Map<string, unknown>();
  let server: Server;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const endpoint = (req.url ?? '').replace(/^\/api\/v1\//, '') as Endpoint;
        sent.set(endpoint, JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(loadBody(ANSWERS[endpoint])));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await sendThroughActivities(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  for (const entry of CORPUS.filter((e) => e.kind === 'request')) {
    it(`${entry.endpoint}: ${entry.file} has the documented field paths`, () => {
      expect(leafPaths(loadBody(entry.file))).toEqual(entry.expect.fieldPaths);
    });
    it(`${entry.endpoint}: what the activities send has the same field paths and values as ${entry.file}`, () => {
      expect(sent.has(entry.endpoint)).toBe(true);
      expect(leafPaths(sent.get(entry.endpoint))).toEqual(entry.expect.fieldPaths);
      expect(sent.get(entry.endpoint)).toEqual(loadBody(entry.file));
    });
  }
});
