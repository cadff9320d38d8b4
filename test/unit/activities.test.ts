/**
 * The Bank 131 activities (activities/index.ts) in Temporal's MockActivityEnvironment, over a fake client
 * that implements only the methods they call: how each bank answer becomes a result or the failure type the
 * workflow's retry policy matches on.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createActivities } from '../../activities';
import { FAILURE_TYPES, type PayoutActivities } from '../../activities/types';
import type { Bank131Client } from '../../bank131/client';
import {
  Bank131BusinessError,
  Bank131TransportError,
  Bank131UnrecognisedAnswerError,
  RETRYABLE_BANK_CODES,
} from '../../bank131/errors';
import type { RawSession } from '../../bank131/schemas';
import { maskAccount } from '../../bank131/accounts';
import { toSessionSnapshot } from '../../bank131/session-read';
import { loadPayoutSettings } from '../../config';
import { createLogger } from '../../observability/logger';

const workflowId = 'payout-activities-test';
const sessionId = 'ps_activities';
const step = { workflowId, sessionId };
const account = { workflowId, bik: '044525974', account: '40817810099910004312' };
const accepted: RawSession = {
  id: sessionId,
  status: 'accepted',
  payments: [{ id: 'po_1', status: 'succeeded' }],
};
const inProgress: RawSession = {
  id: sessionId,
  status: 'in_progress',
  payments: [{ id: 'po_1', status: 'pending' }],
};
const awaitingConfirm: RawSession = { ...inProgress, next_action: 'confirm' };

/** Only what createActivities calls; each test scripts the answers. */
function fakeClient() {
  return {
    tokenize: vi.fn<Bank131Client['tokenize']>(),
    tokenInfo: vi.fn<Bank131Client['tokenInfo']>(),
    initPayout: vi.fn<Bank131Client['initPayout']>(),
    confirm: vi.fn<Bank131Client['confirm']>(),
    cancel: vi.fn<Bank131Client['cancel']>(),
    status: vi.fn<Bank131Client['status']>(),
  };
}

let bank: ReturnType<typeof fakeClient>;
let activities: PayoutActivities;
let env: MockActivityEnvironment;

beforeEach(() => {
  bank = fakeClient();
  activities = createActivities({
    bank131: bank as unknown as Bank131Client,
    settings: loadPayoutSettings({}),
    logger: createLogger('activities-test', 'silent'),
  });
  // Failed activities log at WARN; the assertions below say what failed.
  env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => undefined) });
});

/** Runs one activity in the mock activity context, as the worker would. */
function run<K extends keyof PayoutActivities>(
  name: K,
  ...args: Parameters<PayoutActivities[K]>
): ReturnType<PayoutActivities[K]> {
  const byName = activities as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  return env.run(() => byName[name]!(...args)) as unknown as ReturnType<PayoutActivities[K]>;
}

/** The failure an activity threw, as the worker would report it to the workflow. */
async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('error mapping', () => {
  it('a transport error is retryable, type Bank131TransportError, with the Retry-After as next retry delay', async () => {
    bank.initPayout.mockRejectedValue(
      new Bank131TransportError('HTTP 429', 'session/init/payout', 429, 7_000),
    );
    const failure = await failureOf(
      run('initPayout', {
        workflowId,
        token: 'tok',
        fullName: 'Иванов Иван',
        description: 'd',
        amount: 100_00,
        currency: 'rub',
      }),
    );
    expect(failure.type).toBe(FAILURE_TYPES.bankUnavailable);
    expect(failure.type).toBe('Bank131TransportError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7_000);
  });

  it('a transport error without Retry-After leaves the delay to the retry policy', async () => {
    bank.status.mockRejectedValue(new Bank131TransportError('socket hang up', 'session/status'));
    const failure = await failureOf(run('getSessionStatus', { sessionId }));
    expect(failure).toMatchObject({ type: 'Bank131TransportError', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('a business error is non-retryable, type Bank131BusinessError, with {code, description, endpoint}', async () => {
    bank.tokenize.mockRejectedValue(
      new Bank131BusinessError('token/info', 'invalid_token', 'token not found', 400),
    );
    const failure = await failureOf(run('tokenizeAccount', account));
    expect(failure.type).toBe(FAILURE_TYPES.bankRejected);
    expect(failure.type).toBe('Bank131BusinessError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details).toEqual([
      { code: 'invalid_token', description: 'token not found', endpoint: 'token/info' },
    ]);
  });

  it.each([...RETRYABLE_BANK_CODES])(
    'business code %s means "temporarily unable": retryable',
    async (code) => {
      bank.confirm.mockRejectedValue(new Bank131BusinessError('session/confirm', code, undefined, 500));
      const failure = await failureOf(run('confirmPayout', step));
      expect(failure).toMatchObject({ type: 'Bank131TransportError', nonRetryable: false });
      expect(bank.status).not.toHaveBeenCalled();
    },
  );

  it('an error that is not the bank’s is rethrown unchanged', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    bank.status.mockRejectedValue(bug);
    await expect(run('getSessionStatus', { sessionId })).rejects.toBe(bug);
  });
});

describe.each([
  ['confirmPayout', 'confirm', 'session/confirm'],
  ['cancelPayout', 'cancel', 'session/cancel'],
] as const)('%s', (activity, method, endpoint) => {
  it(`sends ${endpoint} with the idempotency key <workflowId>:${method} and returns the session`, async () => {
    bank[method].mockResolvedValue(inProgress);
    await expect(run(activity, step)).resolves.toEqual(toSessionSnapshot(inProgress));
    expect(bank[method]).toHaveBeenCalledExactlyOnceWith(sessionId, `${workflowId}:${method}`);
    expect(bank.status).not.toHaveBeenCalled();
  });

  it('answered idempotency_key_already_exists (an earlier attempt was processed): the session from session/status', async () => {
    bank[method].mockRejectedValue(
      new Bank131BusinessError(endpoint, 'idempotency_key_already_exists', undefined, 400),
    );
    bank.status.mockResolvedValue(accepted);
    await expect(run(activity, step)).resolves.toEqual(toSessionSnapshot(accepted));
    expect(bank.status).toHaveBeenCalledExactlyOnceWith(sessionId);
  });

  it.each(['session_wrong_state', 'session_already_confirmed', 'access_denied'])(
    'answered %s: the session from session/status decides, the refusal is kept beside it',
    async (code) => {
      const reasons = [{ rule_alias: 'r1' }];
      bank[method].mockRejectedValue(new Bank131BusinessError(endpoint, code, 'nope', 400, reasons));
      bank.status.mockResolvedValue(accepted);
      await expect(run(activity, step)).resolves.toEqual({
        ...toSessionSnapshot(accepted),
        refusal: { kind: 'rejected', code, description: 'nope', rejectReasons: reasons },
      });
      expect(bank.status).toHaveBeenCalledExactlyOnceWith(sessionId);
    },
  );

  it('an unrecognised answer after which the bank shows the step done: the session, with the refusal', async () => {
    bank[method].mockRejectedValue(
      new Bank131UnrecognisedAnswerError(endpoint, 403, 'no Bank 131 error object: "Forbidden"'),
    );
    bank.status.mockResolvedValue(accepted);
    await expect(run(activity, step)).resolves.toMatchObject({
      status: 'accepted',
      refusal: { kind: 'unrecognised', code: 'http_403' },
    });
  });

  it('an unrecognised answer that did not take effect: retryable, the step is sent again under its key', async () => {
    bank[method].mockRejectedValue(new Bank131UnrecognisedAnswerError(endpoint, 403, 'WAF page'));
    bank.status.mockResolvedValue(awaitingConfirm);
    const failure = await failureOf(run(activity, step));
    expect(failure).toMatchObject({ type: 'Bank131UnrecognisedAnswer', nonRetryable: false });
  });

  it('answered session_wrong_state while session/status is down: retryable transport failure', async () => {
    bank[method].mockRejectedValue(new Bank131BusinessError(endpoint, 'session_wrong_state', undefined, 400));
    bank.status.mockRejectedValue(new Bank131TransportError('HTTP 503', 'session/status', 503, 2_000));
    const failure = await failureOf(run(activity, step));
    expect(failure).toMatchObject({
      type: 'Bank131TransportError',
      nonRetryable: false,
      nextRetryDelay: 2_000,
    });
  });

  it('a refusal while session/status answers with a refusal too: non-retryable, the workflow reconciles', async () => {
    bank[method].mockRejectedValue(new Bank131BusinessError(endpoint, 'access_denied', 'nope', 403));
    bank.status.mockRejectedValue(new Bank131BusinessError('session/status', 'access_denied', 'nope', 403));
    const failure = await failureOf(run(activity, step));
    expect(failure).toMatchObject({ type: 'Bank131BusinessError', nonRetryable: true });
  });
});

describe('getTokenInfo (best effort: the bank-account shape is undocumented)', () => {
  it('a refusal leaves the token unverified instead of failing the payout', async () => {
    bank.tokenInfo.mockRejectedValue(
      new Bank131BusinessError('token/info', 'invalid_request', 'bad type', 400),
    );
    await expect(run('getTokenInfo', { token: 'tok' })).resolves.toMatchObject({ verified: false });
  });
  it('an unrecognised answer leaves the token unverified', async () => {
    bank.tokenInfo.mockRejectedValue(new Bank131UnrecognisedAnswerError('token/info', 404, 'html'));
    await expect(run('getTokenInfo', { token: 'tok' })).resolves.toMatchObject({ verified: false });
  });
  it('an answer verifies it and shows the masked account', async () => {
    bank.tokenInfo.mockResolvedValue({ maskedAccount: '40817***4312' });
    await expect(run('getTokenInfo', { token: 'tok' })).resolves.toEqual({
      maskedAccount: '40817***4312',
      verified: true,
    });
  });
});

describe('tokenizeAccount', () => {
  it('tokenizes with the idempotency key <workflowId>:tokenize', async () => {
    bank.tokenize.mockResolvedValue({ token: 'tok_1', maskedAccount: '40817***4312' });
    await expect(run('tokenizeAccount', account)).resolves.toEqual({
      token: 'tok_1',
      maskedAccount: '40817***4312',
    });
    expect(bank.tokenize).toHaveBeenCalledExactlyOnceWith(
      { bik: account.bik, account: account.account },
      `${workflowId}:tokenize`,
    );
  });

  it('lost answer: idempotency_key_already_exists → asks once more without a key, masks the account itself', async () => {
    bank.tokenize
      .mockRejectedValueOnce(
        new Bank131BusinessError('tokenize', 'idempotency_key_already_exists', undefined, 400),
      )
      .mockResolvedValueOnce({ token: 'tok_2', maskedAccount: undefined });
    await expect(run('tokenizeAccount', account)).resolves.toEqual({
      token: 'tok_2',
      maskedAccount: maskAccount(account.account),
    });
    expect(bank.tokenize.mock.calls).toEqual([
      [{ bik: account.bik, account: account.account }, `${workflowId}:tokenize`],
      [{ bik: account.bik, account: account.account }],
    ]);
  });

  it('lost answer, then the retry without a key fails in transit: retryable', async () => {
    bank.tokenize
      .mockRejectedValueOnce(
        new Bank131BusinessError('tokenize', 'idempotency_key_already_exists', undefined, 400),
      )
      .mockRejectedValueOnce(new Bank131TransportError('timeout', 'tokenize'));
    const failure = await failureOf(run('tokenizeAccount', account));
    expect(failure).toMatchObject({ type: 'Bank131TransportError', nonRetryable: false });
  });
});

describe('initPayout', () => {
  const input = {
    workflowId,
    token: 'tok_1',
    fullName: 'Иванов Иван',
    description: 'd',
    amount: 100_00,
    currency: 'rub',
  };

  it('idempotency_key_already_exists means an earlier attempt created the session', async () => {
    bank.initPayout.mockRejectedValue(
      new Bank131BusinessError('session/init/payout', 'idempotency_key_already_exists', undefined, 400),
    );
    await expect(run('initPayout', input)).resolves.toEqual({ kind: 'already_initiated' });
    expect(bank.initPayout).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: workflowId }),
      `${workflowId}:init`,
    );
  });

  it('sends the run tag after the workflow ID in metadata', async () => {
    bank.initPayout.mockResolvedValue(inProgress);
    await run('initPayout', { ...input, runTag: 'run-1' });
    expect(bank.initPayout).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: `${workflowId}/run-1` }),
      `${workflowId}:init`,
    );
  });

  it('a new init after a refusal (attempt 2, 3, …) has its own key; the first keeps the key it always had', async () => {
    bank.initPayout.mockResolvedValue(inProgress);
    await run('initPayout', input);
    await run('initPayout', { ...input, attempt: 2 });
    await run('initPayout', { ...input, attempt: 3 });
    expect(bank.initPayout.mock.calls.map((c) => c[1])).toEqual([
      `${workflowId}:init`,
      `${workflowId}:init:2`,
      `${workflowId}:init:3`,
    ]);
  });

  it('a refusal on the first attempt is the bank saying no: non-retryable', async () => {
    bank.initPayout.mockRejectedValue(
      new Bank131BusinessError('session/init/payout', 'invalid_request', 'x', 400),
    );
    const failure = await failureOf(run('initPayout', input));
    expect(failure).toMatchObject({ type: 'Bank131BusinessError', nonRetryable: true });
  });

  it('a refusal on a retry is still the bank saying no (a processed attempt would make the key "already exists")', async () => {
    env = new MockActivityEnvironment(
      { attempt: 3 },
      { logger: new DefaultLogger('ERROR', () => undefined) },
    );
    bank.initPayout.mockRejectedValue(
      new Bank131BusinessError('session/init/payout', 'invalid_request', 'x', 400),
    );
    const failure = await failureOf(run('initPayout', input));
    expect(failure).toMatchObject({ type: 'Bank131BusinessError', nonRetryable: true });
  });

  it('an unrecognised answer is retryable, never a refusal', async () => {
    bank.initPayout.mockRejectedValue(new Bank131UnrecognisedAnswerError('session/init/payout', 409, 'x'));
    const failure = await failureOf(run('initPayout', input));
    expect(failure).toMatchObject({ type: 'Bank131UnrecognisedAnswer', nonRetryable: false });
  });
});
