/**
 * The Bank 131 partner API over HTTP (undici). Every body is serialized once, signed, and sent as those same
 * bytes. Answers are parsed with zod and failures classified: transport faults (retryable under the same
 * idempotency key) vs the bank's `{status:"error"}` decisions.
 */
import { Agent, errors as undiciErrors, request } from 'undici';
import type { z } from 'zod';
import type { Logger } from '../observability/logger';
import { endBankCallSpan, startBankCallSpan } from '../observability/spans';
import { Bank131BusinessError, Bank131TransportError, Bank131UnrecognisedAnswerError } from './errors';
import {
  BankErrorSchema,
  FpsBankSchema,
  FpsBanksResponseSchema,
  readList,
  SessionResponseSchema,
  WalletBalanceResponseSchema,
  WalletSchema,
  TokenInfoResponseSchema,
  TokenizeResponseSchema,
  type InitPayoutRequest,
  type TokenizeRequest,
  type RawSession,
} from './schemas';
import type { InitPayoutBody } from './payout-details';
import { IDEMPOTENCY_HEADER, loadPrivateKey, PROJECT_HEADER, SIGNATURE_HEADER, signBody } from './signature';
import type { KeyObject } from 'node:crypto';

export type CallOutcome = 'ok' | 'business_error' | 'transport_error' | 'unrecognised_answer';

export interface Bank131CallEvent {
  endpoint: string;
  outcome: CallOutcome;
  durationMs: number;
  httpStatus?: number;
}

/** Where and how the client talks to Bank 131 (config/worker.ts reads it from the environment). */
export interface Bank131ClientConfig {
  baseUrl: string;
  projectId: string;
  privateKeyPem: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

export interface Bank131ClientOptions {
  logger?: Logger;
  /** Called once per HTTP call: the metrics hook. */
  onCall?: (e: Bank131CallEvent) => void;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The masked account wherever a `token/info` answer plausibly carries it. */
export function tokenInfoMaskedAccount(res: z.output<typeof TokenInfoResponseSchema>): string | undefined {
  const info = res.info;
  return (
    info?.bank_account_ru?.masked_account ??
    info?.masked_account ??
    info?.bank_account_ru?.account ??
    info?.bank_account?.ru?.account ??
    info?.account
  );
}

/** `{error:{code,…}}` in a body, with or without `"status":"error"`. */
export function readBankError(json: unknown) {
  if (typeof json !== 'object' || json === null || !('error' in json)) return undefined;
  const parsed = BankErrorSchema.safeParse(json.error);
  return parsed.success ? parsed.data : undefined;
}

function isErrorStatus(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'status' in json && json.status === 'error';
}

/** A short excerpt of an unrecognised body for logs and the payout's status: no markup, bounded. */
function excerpt(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!flat) return '(empty body)';
  return JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

export class Bank131Client {
  private readonly agent: Agent;
  private readonly key: KeyObject;

  constructor(
    private readonly config: Bank131ClientConfig,
    private readonly options: Bank131ClientOptions = {},
  ) {
    this.key = loadPrivateKey(config.privateKeyPem);
    this.agent = new Agent({
      connections: config.maxConnections,
      connect: { timeout: config.connectTimeoutMs },
      headersTimeout: config.requestTimeoutMs,
      bodyTimeout: config.requestTimeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  async tokenize(input: { bik: string; account: string }, idempotencyKey?: string) {
    const res = await this.call(
      'tokenize',
      {
        type: 'bank_account_ru',
        bank_account_ru: { bik: input.bik, account: input.account },
      } satisfies TokenizeRequest,
      TokenizeResponseSchema,
      idempotencyKey,
    );
    return { token: res.token, maskedAccount: res.data?.masked_account };
  }

  /** The request shape for bank-account tokens is undocumented (docs/bank131-assumptions.md): best effort. */
  async tokenInfo(token: string): Promise<{ maskedAccount?: string }> {
    const res = await this.call(
      'token/info',
      { type: 'bank_account_ru', bank_account_ru: { token } },
      TokenInfoResponseSchema,
    );
    return { maskedAccount: tokenInfoMaskedAccount(res) };
  }

  /** `GET fps/banks` (SDK FpsApi::getBanks): the banks in SBP; unreadable entries are dropped. */
  async fpsBanks(): Promise<{ id: string; name?: string }[]> {
    const res = await this.call('fps/banks', undefined, FpsBanksResponseSchema, undefined, 'GET');
    return readList(FpsBankSchema, res.banks).map((b) => ({ id: b.id, name: b.ru_name ?? b.eng_name }));
  }

  /** `fps/customer_verification` (SDK FpsApi::verification): a session that says whether SBP knows the phone. */
  async fpsVerification(body: unknown, idempotencyKey: string): Promise<RawSession> {
    return (await this.call('fps/customer_verification', body, SessionResponseSchema, idempotencyKey))
      .session;
  }

  /** `wallet/balance` (SDK WalletApi::balance): every wallet and its amount. */
  async walletBalance(): Promise<{ id?: string; amount?: number; currency?: string }[]> {
    const res = await this.call(
      'wallet/balance',
      { request_datetime: new Date().toISOString() },
      WalletBalanceResponseSchema,
    );
    return readList(WalletSchema, res.wallets).map((w) => ({
      id: w.id,
      amount: w.amount_details?.amount,
      currency: w.amount_details?.currency,
    }));
  }

  async initPayout(body: InitPayoutRequest | InitPayoutBody, idempotencyKey: string): Promise<RawSession> {
    return (await this.call('session/init/payout', body, SessionResponseSchema, idempotencyKey)).session;
  }

  async confirm(sessionId: string, idempotencyKey: string): Promise<RawSession> {
    return (
      await this.call('session/confirm', { session_id: sessionId }, SessionResponseSchema, idempotencyKey)
    ).session;
  }

  async cancel(sessionId: string, idempotencyKey: string): Promise<RawSession> {
    return (
      await this.call('session/cancel', { session_id: sessionId }, SessionResponseSchema, idempotencyKey)
    ).session;
  }

  async status(sessionId: string): Promise<RawSession> {
    return (await this.call('session/status', { session_id: sessionId }, SessionResponseSchema)).session;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async call<S extends z.ZodType>(
    endpoint: string,
    body: unknown,
    schema: S,
    idempotencyKey?: string,
    method: 'POST' | 'GET' = 'POST',
  ): Promise<z.output<S>> {
    const started = performance.now();
    const span = startBankCallSpan(endpoint);
    let httpStatus: number | undefined;
    const report = (outcome: CallOutcome) => {
      const durationMs = performance.now() - started;
      endBankCallSpan(span, outcome, httpStatus);
      this.options.onCall?.({ endpoint, outcome, durationMs, httpStatus });
      this.options.logger?.debug(
        { endpoint, outcome, httpStatus, durationMs: Math.round(durationMs), idempotencyKey },
        'bank131 call',
      );
    };
    // Serialize once and send exactly the signed bytes: the signature covers the raw body only.
    const payload = Buffer.from(body === undefined ? '' : JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      [PROJECT_HEADER]: this.config.projectId,
      [SIGNATURE_HEADER]: signBody(payload, this.key),
    };
    if (idempotencyKey) headers[IDEMPOTENCY_HEADER] = idempotencyKey;

    let text: string;
    let retryAfterMs: number | undefined;
    try {
      const res = await request(`${this.config.baseUrl}/api/v1/${endpoint}`, {
        method,
        headers,
        body: method === 'GET' ? undefined : payload,
        dispatcher: this.agent,
      });
      httpStatus = res.statusCode;
      retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      text = await res.body.text();
    } catch (err) {
      report('transport_error');
      const what =
        err instanceof undiciErrors.UndiciError ? err.code : err instanceof Error ? err.message : String(err);
      throw new Bank131TransportError(`Bank 131 ${endpoint}: ${what}`, endpoint, undefined, undefined, {
        cause: err,
      });
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const bankError = readBankError(json);
    if (httpStatus >= 500 || httpStatus === 429) {
      report('transport_error');
      const code = bankError ? `: ${bankError.code}` : '';
      throw new Bank131TransportError(
        `Bank 131 ${endpoint} answered HTTP ${httpStatus}${code}`,
        endpoint,
        httpStatus,
        retryAfterMs,
      );
    }
    // The SDK reads `error.code` on any HTTP >= 400 whatever else the body says; a 200 may carry one too.
    if (bankError && (httpStatus >= 400 || isErrorStatus(json))) {
      report('business_error');
      throw new Bank131BusinessError(
        endpoint,
        bankError.code,
        bankError.description,
        httpStatus,
        bankError.reject_reasons,
      );
    }
    const parsed = httpStatus < 400 && !isErrorStatus(json) ? schema.safeParse(json) : undefined;
    if (!parsed?.success) {
      report('unrecognised_answer');
      const why =
        httpStatus >= 400 || isErrorStatus(json)
          ? 'no Bank 131 error object'
          : json === undefined
            ? 'a body that is not JSON'
            : `an unexpected body (${parsed?.error.issues[0]?.path.join('.') ?? ''}: ${parsed?.error.issues[0]?.message ?? ''})`;
      throw new Bank131UnrecognisedAnswerError(endpoint, httpStatus, `${why}: ${excerpt(text)}`);
    }
    report('ok');
    return parsed.data;
  }
}
