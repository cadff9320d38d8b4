/**
 * The documented partner API (`POST /api/v1/<method>`): every request is authenticated, may meet an injected
 * fault, and is answered by the simulated bank. Each step is a named function; every request ends up in the
 * ledger with its outcome.
 */
import type { KeyObject } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { IDEMPOTENCY_HEADER, PROJECT_HEADER, SIGNATURE_HEADER, verifyBody } from '../bank131/signature';
import { SimulatedBank, workflowIdOfMetadata, type BankAnswer, type SimSession } from './bank';
import type { FaultInjector, FaultKind, FaultRule } from './faults';
import type { Ledger } from './ledger';
import { renderError, type WireVariant } from './wire';

const ENDPOINTS = [
  'tokenize',
  'token/info',
  'session/init/payout',
  'session/confirm',
  'session/cancel',
  'session/status',
  'fps/banks',
  'fps/customer_verification',
  'wallet/balance',
] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const FAULT_HTTP_STATUS: Partial<Record<FaultKind, number>> = {
  http_500: 500,
  http_503: 503,
  http_429: 429,
  garbage: 200,
  http_403_html: 403,
  http_4xx_empty: 400,
  http_409_no_status: 409,
  unknown_business_code: 400,
};

const WAF_PAGE =
  '<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1>' +
  '<p>Request blocked by the web application firewall.</p></body></html>';

export interface PartnerApiDeps {
  bank: SimulatedBank;
  ledger: Ledger;
  faults: FaultInjector;
  projectId: string;
  partnerKey: KeyObject;
}

/** Records the request in the ledger with its outcome. */
type LogRequest = (
  outcome: string,
  httpStatus: number | undefined,
  sessionId?: string,
  workflowId?: string,
) => void;

/** A request refused before the bank looked at it: what the ledger records and what the client gets. */
interface Refusal {
  outcome: string;
  httpStatus: number;
  code: string;
  description: string;
}

/** The handler for `POST /api/v1/*path`, after the raw body was read. */
export function partnerApiHandler(deps: PartnerApiDeps): RequestHandler {
  return async (req, res) => {
    const endpoint = (req.params.path as unknown as string[]).join('/') as Endpoint;
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const idempotencyKey = req.header(IDEMPOTENCY_HEADER) ?? undefined;
    const log: LogRequest = (outcome, httpStatus, sessionId, workflowId) =>
      deps.ledger.record({
        kind: 'request',
        endpoint,
        idempotencyKey,
        sessionId,
        workflowId,
        outcome,
        httpStatus,
      });

    const refusal = authenticate(endpoint, req, raw, deps);
    if (refusal) return refuse(res, refusal, log);
    let body: unknown;
    try {
      // A GET (fps/banks) has no body; the signature covers the empty one.
      body = req.method === 'GET' && raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(
        res,
        {
          outcome: 'rejected:invalid_request',
          httpStatus: 400,
          code: 'invalid_request',
          description: 'body is not JSON',
        },
        log,
      );
    }

    const { bank } = deps;
    const session = bank.sessionOf(body);
    const workflowId = workflowIdOf(endpoint, body, session, idempotencyKey);
    const variant = bank.variantFor(workflowId);
    const fail = (rule: FaultRule) => applyFault(rule, { req, res, endpoint, variant });

    const fault = deps.faults.pick(endpoint, workflowId);
    if (fault) log(`fault:${fault.kind}`, FAULT_HTTP_STATUS[fault.kind], session?.id, workflowId);
    // The bank acts on the request first; the fault then replaces (or drops) its answer.
    const afterProcessing =
      fault && (fault.afterProcessing || fault.kind === 'lost_response') ? fault : undefined;
    if (fault && !afterProcessing && (await fail(fault))) return;

    const { answer, sessionId } = await answerEndpoint(endpoint, body, session, idempotencyKey, bank);
    const status = 'destroySocket' in answer ? undefined : answer.httpStatus;
    const code =
      'destroySocket' in answer ? undefined : (answer.body as { error?: { code: string } }).error?.code;
    log(code ? `rejected:${code}` : 'processed', status, sessionId, workflowId);
    if (afterProcessing && (await fail(afterProcessing))) return;
    if ('destroySocket' in answer) return void req.socket.destroy();
    res.status(answer.httpStatus).json(inStyle(answer.body, variant));
  };
}

/** The payout a request belongs to, for the ledger, faults and wire variants: by session, metadata or key. */
function workflowIdOf(
  endpoint: Endpoint,
  body: unknown,
  session: SimSession | undefined,
  idempotencyKey: string | undefined,
): string | undefined {
  return (
    session?.workflowId ??
    (endpoint === 'session/init/payout'
      ? workflowIdOfMetadata((body as { metadata?: unknown }).metadata)
      : idempotencyKey?.replace(/:[^:]*$/, ''))
  );
}

/** A known method, our project, and a signature by the partner's key; the refusal otherwise. */
function authenticate(
  endpoint: Endpoint,
  req: Request,
  raw: Buffer,
  deps: PartnerApiDeps,
): Refusal | undefined {
  if (!ENDPOINTS.includes(endpoint))
    return {
      outcome: 'rejected:not_found',
      httpStatus: 404,
      code: 'invalid_request',
      description: `no method ${endpoint}`,
    };
  if (req.header(PROJECT_HEADER) !== deps.projectId)
    return {
      outcome: 'unauthenticated',
      httpStatus: 403,
      code: 'authorization_error',
      description: 'unknown X-PARTNER-PROJECT',
    };
  if (!verifyBody(raw, req.header(SIGNATURE_HEADER), [deps.partnerKey]))
    return {
      outcome: 'unauthenticated',
      httpStatus: 401,
      code: 'authentication_error',
      description: 'bad X-PARTNER-SIGN',
    };
  return undefined;
}

function refuse(res: Response, refusal: Refusal, log: LogRequest): void {
  log(refusal.outcome, refusal.httpStatus);
  res
    .status(refusal.httpStatus)
    .json({ status: 'error', error: { code: refusal.code, description: refusal.description } });
}

/**
 * Answers (or drops) the request as the fault says; false when the request goes on (`slow`).
 */
async function applyFault(
  { kind, delayMs }: FaultRule,
  { req, res, endpoint, variant }: { req: Request; res: Response; endpoint: Endpoint; variant: WireVariant },
): Promise<boolean> {
  switch (kind) {
    case 'http_500':
    case 'http_503':
      res
        .status(FAULT_HTTP_STATUS[kind]!)
        .json(renderError({ code: 'internal_error', description: 'simulated outage' }, variant));
      return true;
    case 'http_429':
      res
        .status(429)
        .setHeader('retry-after', '1')
        .json(renderError({ code: 'rate_limited', description: 'slow down' }, variant));
      return true;
    case 'garbage':
      res.status(200).type('text/html').send('<html><body>502 Bad Gateway</body></html>');
      return true;
    case 'http_403_html':
      res.status(403).type('text/html').send(WAF_PAGE);
      return true;
    case 'http_4xx_empty':
      res.status(400).end();
      return true;
    case 'http_409_no_status':
      res.status(409).json({ message: 'Conflict', path: `/api/v1/${endpoint}` });
      return true;
    case 'unknown_business_code':
      res
        .status(400)
        .json(
          renderError(
            { code: 'session_already_confirmed', description: 'Session already confirmed' },
            variant,
          ),
        );
      return true;
    case 'reset':
    case 'lost_response':
      req.socket.destroy();
      return true;
    case 'timeout':
      await new Promise((r) => setTimeout(r, delayMs ?? 15_000));
      req.socket.destroy();
      return true;
    case 'slow':
      await new Promise((r) => setTimeout(r, delayMs ?? 2_000));
      return false;
  }
}

/** What the bank does with an authenticated request, and the session it concerns (for the ledger). */
async function answerEndpoint(
  endpoint: Endpoint,
  body: unknown,
  session: SimSession | undefined,
  idempotencyKey: string | undefined,
  bank: SimulatedBank,
): Promise<{ answer: BankAnswer; sessionId?: string }> {
  switch (endpoint) {
    case 'fps/banks':
      return { answer: bank.fpsBanks() };
    case 'wallet/balance':
      return { answer: bank.walletBalance() };
    case 'fps/customer_verification':
      if (!bank.claimKey(endpoint, idempotencyKey)) return { answer: SimulatedBank.KEY_EXISTS };
      return { answer: bank.verify(body, idempotencyKey?.replace(/:[^:]*$/, '')) };
    case 'session/status': {
      // A recipient check's session answers like any other.
      const check = bank.verificationOf(body);
      if (check)
        return {
          answer: { httpStatus: 200, body: { status: 'ok', session: bank.renderVerification(check) } },
          sessionId: check.id,
        };
      break;
    }
    default:
      break;
  }
  const needsSession =
    endpoint === 'session/confirm' || endpoint === 'session/cancel' || endpoint === 'session/status';
  if (needsSession && !session)
    return {
      answer: {
        httpStatus: 400,
        body: { status: 'error', error: { code: 'invalid_request', description: 'unknown session_id' } },
      },
    };
  // The bank remembers an idempotency key once it processed the request (a fault answered before did not).
  const keyed = endpoint !== 'session/status' && endpoint !== 'token/info';
  if (keyed && !bank.claimKey(endpoint, idempotencyKey))
    return { answer: SimulatedBank.KEY_EXISTS, sessionId: session?.id };

  switch (endpoint) {
    case 'tokenize':
      return { answer: bank.tokenize(body) };
    case 'token/info':
      return { answer: bank.tokenInfo(body) };
    case 'session/init/payout': {
      const { answer, session: created } = bank.initPayout(body);
      return { answer, sessionId: created?.id };
    }
    case 'session/confirm':
      return { answer: await bank.confirm(session!), sessionId: session!.id };
    case 'session/cancel':
      return { answer: bank.cancel(session!), sessionId: session!.id };
    case 'session/status':
      return { answer: bank.status(session!), sessionId: session!.id };
  }
}

/** A bank error body in the payout's error style; other bodies as they are. */
function inStyle(body: unknown, variant: WireVariant): unknown {
  const { error } = body as { error?: { code: string; description: string } };
  return error ? renderError(error, variant) : body;
}
