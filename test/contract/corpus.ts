/**
 * The contract corpus: Bank 131 wire bodies we send and receive, written by hand from the bank's public
 * documentation and its official PHP SDK (none copied from the SDK), each with the sources of its fields and
 * the facts a parser must extract from it. `contract.test.ts` checks every entry against the client.
 *
 * Sources are cited as a URL (developer.131.ru, read through stored copies) or as
 * `bank131/php-sdk@<commit>:<path>`. Where a field is not shown by the main sources, `fields` says where it
 * comes from; where nothing shows it, `guess` says so.
 */

/** The official PHP SDK at the commit that was read (HEAD of the stored mirror, 2026-06-23). */
export const SDK_COMMIT = 'd47a7debd807ae939dbe324da43b319638e6e298';
const sdk = (path: string) => `bank131/php-sdk@${SDK_COMMIT}:${path}`;

export const SRC = {
  docFormat: 'https://developer.131.ru/en/reference/format',
  docLlms: 'https://developer.131.ru/llms-full.txt',
  docWebhooks: 'https://developer.131.ru/en/reference/webhooks',
  docErrors: 'https://developer.131.ru/en/reference/errors',
  docErrorsOld: 'https://developer.131.ru/docs/en/reference/errors/',
  docTokenPayout: 'https://developer.131.ru/en/payouts/payout-tokenized-account',
  docRuAccount: 'https://developer.131.ru/en/payouts/russian-account',
  docRefunds: 'https://developer.131.ru/en/payouts/payout-refunds',
  docRefundsOld: 'https://developer.131.ru/en/payouts/payout-refunds/',
  docSettlementToken: 'https://developer.131.ru/en/settlement-account/settlement-payout-tokenized-accounts',
  docTransferNotif: 'https://developer.131.ru/en/transfers/transfer-notif',
  /** Smart Glocal runs the same protocol (same headers, objects, webhook names); not a Bank 131 page. */
  sgReadyToConfirm: 'https://developer.smart-glocal.com/docs/reference/webhooks/ready-to-confirm',
  sdkSession: sdk('src/DTO/Session.php'),
  sdkPayout: sdk('src/DTO/Payout.php'),
  sdkError: sdk('src/DTO/Error.php'),
  sdkRejectReason: sdk('src/DTO/RejectReason.php'),
  sdkTransactionInfo: sdk('src/DTO/TransactionInfo.php'),
  sdkAmounts: sdk('src/DTO/Amounts.php'),
  sdkFee: sdk('src/DTO/Fee.php'),
  sdkAbstractRefund: sdk('src/DTO/AbstractRefund.php'),
  sdkPayoutRefund: sdk('src/DTO/PayoutRefund.php'),
  sdkSessionApi: sdk('src/API/SessionApi.php'),
  sdkSessionIdRequest: sdk('src/API/Request/Session/SessionIdRequest.php'),
  sdkTokenInfoRequest: sdk('src/API/Request/Token/TokenInfoRequest.php'),
  sdkTokenInfoResponse: sdk('src/API/Response/Token/TokenInfoResponse.php'),
  sdkExceptionsMiddleware: sdk('src/Services/Middleware/ExceptionsHandlerMiddleware.php'),
  sdkWebHookHandler: sdk('src/Services/WebHook/WebHookHandler.php'),
  sdkWebHookTypeEnum: sdk('src/Services/WebHook/Hook/WebHookTypeEnum.php'),
  sdkSessionApiTest: sdk('tests/Unit/API/SessionApiTest.php'),
  sdkExceptionApiTest: sdk('tests/Unit/API/ExceptionApiTest.php'),
  sdkExceptionMiddlewareTest: sdk('tests/Unit/Services/Middleware/ExceptionHandlerMiddlewareTest.php'),
  sdkWebHookHandlerTest: sdk('tests/Unit/Services/WebHookService/WebHookHandlerTest.php'),
} as const;

/** What a parser must extract. Absent keys are not checked; `undefined` values are checked as absent. */
export interface Expect {
  // Session responses and webhooks
  sessionId?: string;
  sessionStatus?: string;
  nextAction?: string;
  sessionErrorCode?: string;
  payoutId?: string;
  payoutStatus?: string;
  amount?: number;
  currency?: string;
  maskedAccount?: string;
  token?: string;
  fullName?: string;
  /** Our workflow ID, echoed in `metadata`. */
  workflowId?: string;
  errorCode?: string;
  errorDescription?: string;
  refundIds?: string[];
  fee?: { amount: number; currency: string };
  rrn?: string;
  // Error bodies
  rejectReasons?: number;
  // Requests: the leaf field paths the body must have (arrays as `[]`).
  fieldPaths?: string[];
}

interface BaseEntry {
  /** File name under `test/contract/bodies/`. */
  file: string;
  sources: string[];
  /** Field path → its source, where it differs from `sources`. */
  fields: Record<string, string>;
  /** What in this body is a guess, and why. */
  guess?: string;
  /** Why the body matters, in a few words. */
  note?: string;
  expect: Expect;
}

export type Endpoint =
  'tokenize' | 'token/info' | 'session/init/payout' | 'session/confirm' | 'session/cancel' | 'session/status';

export type CorpusEntry =
  | (BaseEntry & { kind: 'request'; endpoint: Endpoint })
  | (BaseEntry & { kind: 'response'; endpoint: Endpoint })
  | (BaseEntry & { kind: 'error'; endpoint: Endpoint; httpStatus: number })
  | (BaseEntry & { kind: 'webhook'; webhookType: string });

const TOKEN = '7c1e5a2b9d0f48e3a6b1c4d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b';
const IVANOV = 'Иванов Иван Иванович';

const INIT_PATHS = [
  'amount_details.amount',
  'amount_details.currency',
  'metadata',
  'payment_method.bank_account.ru.description',
  'payment_method.bank_account.ru.full_name',
  'payment_method.bank_account.ru.token',
  'payment_method.bank_account.system_type',
  'payment_method.type',
];

/** The payout of the happy path, as every session body reports it. */
const happy = {
  sessionId: 'ps_4120577',
  payoutId: 'po_982214',
  amount: 150000,
  currency: 'rub',
  token: TOKEN,
  fullName: IVANOV,
  workflowId: 'payout-7f3c9a1e',
} satisfies Expect;

const failed = {
  sessionId: 'ps_4120590',
  sessionStatus: 'cancelled',
  sessionErrorCode: 'account_not_found',
  payoutId: 'po_982230',
  payoutStatus: 'failed',
  amount: 42000,
  currency: 'rub',
  token: TOKEN,
  fullName: 'Петрова Анна Сергеевна',
  workflowId: 'payout-c19e55d0',
  errorCode: 'account_not_found',
  errorDescription: 'Account not found',
} satisfies Expect;

export const CORPUS: CorpusEntry[] = [
  // ---------------------------------------------------------------- requests we send
  {
    file: 'req-tokenize.json',
    kind: 'request',
    endpoint: 'tokenize',
    sources: [SRC.docTokenPayout],
    fields: { 'bank_account_ru.account': `${SRC.docRuAccount} (allowed prefixes, e.g. 40817810)` },
    note: 'The SDK has no tokenize wrapper; the docs example is the only source.',
    expect: { fieldPaths: ['bank_account_ru.account', 'bank_account_ru.bik', 'type'] },
  },
  {
    file: 'req-token-info.json',
    kind: 'request',
    endpoint: 'token/info',
    sources: [SRC.docTokenPayout, SRC.docSettlementToken, SRC.sdkTokenInfoRequest],
    fields: {},
    guess:
      'The whole bank-account shape. The docs only say token/info exists and can show the first 5 / last 4 digits; the SDK request models cards only ({type:"card", card:{…}}). We follow that {type, <type>:{…}} pattern with type "bank_account_ru" as in tokenize.',
    expect: { fieldPaths: ['bank_account_ru.token', 'type'] },
  },
  {
    file: 'req-init-payout-v1.json',
    kind: 'request',
    endpoint: 'session/init/payout',
    sources: [SRC.docTokenPayout, SRC.docRuAccount],
    fields: {
      metadata: `${SRC.docTokenPayout} (example "good": any value, returned in responses and webhooks); we send <workflow ID>/<first run ID> (bank131/session.ts initMetadata)`,
      'payment_method.bank_account.ru.description': `${SRC.docRuAccount} (purpose rules: ≤210 chars, no ? or !)`,
    },
    expect: { fieldPaths: INIT_PATHS },
  },
  ...(['session/confirm', 'session/cancel', 'session/status'] as const).map((endpoint): CorpusEntry => ({
    file: `req-${endpoint.slice('session/'.length)}.json`,
    kind: 'request',
    endpoint,
    sources: [SRC.sdkSessionApi, SRC.sdkSessionIdRequest],
    fields: {},
    note:
      endpoint === 'session/confirm'
        ? 'confirm_information is only for escrow-account transactions (docWebhooks); we send none.'
        : undefined,
    expect: { fieldPaths: ['session_id'] },
  })),

  // ---------------------------------------------------------------- responses
  {
    file: 'res-tokenize-ok.json',
    kind: 'response',
    endpoint: 'tokenize',
    sources: [SRC.docTokenPayout],
    fields: {},
    note: 'masked_account keeps the first 5 and last 4 digits ("40702***0025" in the docs).',
    expect: { token: TOKEN, maskedAccount: '40817***9535' },
  },
  {
    file: 'res-token-info-ok-guess.json',
    kind: 'response',
    endpoint: 'token/info',
    sources: [SRC.docSettlementToken, SRC.sdkTokenInfoResponse],
    fields: {},
    guess:
      'Everything under info. The SDK response is {status, info:{…card fields…}}; no source shows a bank-account token. masked_account mirrors the tokenize answer.',
    expect: { maskedAccount: '40817***9535' },
  },
  {
    file: 'res-init-payout-v1-ok.json',
    kind: 'response',
    endpoint: 'session/init/payout',
    sources: [SRC.docTokenPayout, SRC.sdkSessionApiTest],
    fields: { 'session.payments[].metadata': `${SRC.docTokenPayout} (echo of the request's metadata)` },
    expect: { ...happy, sessionStatus: 'in_progress', payoutStatus: 'in_progress' },
  },
  {
    file: 'res-init-payout-v2-ok.json',
    kind: 'response',
    endpoint: 'session/init/payout',
    sources: [SRC.docFormat, SRC.sdkSession, SRC.sdkPayout],
    fields: {
      'session.payout_list': `${SRC.docFormat} (v2 name of payments); ${SRC.sdkSession} (payout_list ?? payments)`,
      'session.payout_list[].payout_details': `${SRC.docFormat} (v2 name of payment_method); ${SRC.sdkPayout}`,
    },
    guess:
      'No v2 bank-account example was found: this is the v1 docs example with the v2 names of the format page.',
    expect: { ...happy, sessionStatus: 'in_progress', payoutStatus: 'in_progress' },
  },
  {
    file: 'res-init-payout-sdk-mixed.json',
    kind: 'response',
    endpoint: 'session/init/payout',
    sources: [SRC.sdkSessionApiTest, SRC.sdkPayout],
    fields: { 'session.payments[].customer.reference': SRC.sdkSessionApiTest },
    note: "The SDK's own init/payout fixture mixes the v1 list name (payments) with the v2 details name (payout_details).",
    expect: {
      sessionId: 'ps_4120578',
      sessionStatus: 'in_progress',
      payoutId: 'po_982215',
      payoutStatus: 'in_progress',
      amount: 150000,
      currency: 'rub',
      token: TOKEN,
      fullName: IVANOV,
      workflowId: 'payout-8a4d0b2f',
    },
  },
  {
    file: 'res-confirm-ok.json',
    kind: 'response',
    endpoint: 'session/confirm',
    sources: [SRC.sdkSessionApi, SRC.sdkSessionApiTest, SRC.docTokenPayout],
    fields: {
      'session.payments[].status': `${SRC.sgReadyToConfirm} (payout "pending" while awaiting the decision)`,
    },
    guess:
      'Session and payout statuses right after confirm: the SDK fixture (testSessionConfirm) is an acquiring session in_progress; no Bank 131 payout example was found.',
    expect: { ...happy, sessionStatus: 'in_progress', payoutStatus: 'pending' },
  },
  {
    file: 'res-cancel-ok.json',
    kind: 'response',
    endpoint: 'session/cancel',
    sources: [SRC.sdkSessionApi, SRC.sdkSessionApiTest],
    fields: {},
    guess:
      'Statuses right after cancel: the SDK fixture (testSessionCancel) answers in_progress; whether the session is already cancelled in the answer is not documented.',
    expect: { ...happy, sessionStatus: 'in_progress', payoutStatus: 'pending' },
  },
  {
    file: 'res-status-accepted-succeeded.json',
    kind: 'response',
    endpoint: 'session/status',
    sources: [SRC.sdkSessionApi, SRC.sdkSession, SRC.sdkPayout, SRC.docTokenPayout],
    fields: {
      'session.finished_at': SRC.sdkSession,
      'session.payments[].finished_at': SRC.sdkPayout,
      'session.payments[].amounts.fee.merchant_fee': `${SRC.docWebhooks} (example, currency "RUB" upper-case); ${SRC.sdkAmounts}; ${SRC.sdkFee}`,
      'session.payments[].transaction_info.rrn': SRC.sdkTransactionInfo,
      'session.payments[].transaction_info.bank_account_ru_token': SRC.sdkTransactionInfo,
    },
    guess:
      'Whether status answers carry amounts.fee and transaction_info for bank-account payouts (the SDK models both on Payout).',
    expect: {
      ...happy,
      sessionStatus: 'accepted',
      payoutStatus: 'succeeded',
      fee: { amount: 3000, currency: 'RUB' },
      rrn: '606109412377',
    },
  },
  {
    file: 'res-status-cancelled-failed.json',
    kind: 'response',
    endpoint: 'session/status',
    sources: [SRC.sdkSession, SRC.sdkPayout, SRC.sdkError, SRC.docErrors],
    fields: { 'session.payments[].error.code': `${SRC.docErrors} (account_not_found)` },
    guess:
      'The session status of a failed payout (cancelled) and an error on both session and payout are not documented for payouts.',
    expect: failed,
  },

  // ---------------------------------------------------------------- error bodies
  {
    file: 'err-with-status.json',
    kind: 'error',
    endpoint: 'session/confirm',
    httpStatus: 400,
    sources: [SRC.sdkExceptionMiddlewareTest, SRC.docErrorsOld],
    fields: { 'error.code': `${SRC.docErrorsOld} (session_wrong_state)` },
    guess: 'HTTP 400 is the SDK mock; the real status per error is not documented.',
    note: 'What a repeated confirm most likely gets.',
    expect: {
      errorCode: 'session_wrong_state',
      errorDescription: 'Cannot perform a transaction in this status',
    },
  },
  {
    file: 'err-without-status-sdk.json',
    kind: 'error',
    endpoint: 'session/init/payout',
    httpStatus: 400,
    sources: [SRC.sdkExceptionApiTest, SRC.sdkExceptionsMiddleware, SRC.docErrors],
    fields: { 'error.code': `${SRC.docErrors} (invalid_request)` },
    note: 'The SDK reads error.code on any HTTP ≥ 400 and its fixtures have no "status".',
    expect: { errorCode: 'invalid_request', errorDescription: 'Invalid request' },
  },
  {
    file: 'err-reject-reasons.json',
    kind: 'error',
    endpoint: 'session/init/payout',
    httpStatus: 400,
    sources: [SRC.sdkError, SRC.sdkRejectReason, SRC.docErrorsOld],
    fields: {
      'error.code': `${SRC.docErrorsOld} (operation_rejected)`,
      'error.reject_reasons[]': `${SRC.sdkError}; ${SRC.sdkRejectReason} (rule_alias, list_alias, expiration_date)`,
    },
    guess: 'Which codes carry reject_reasons, the alias values, and the HTTP status.',
    expect: {
      errorCode: 'operation_rejected',
      errorDescription: 'The operation has been rejected for security reasons',
      rejectReasons: 1,
    },
  },
  {
    file: 'err-idempotency-key-already-exists.json',
    kind: 'error',
    endpoint: 'session/init/payout',
    httpStatus: 400,
    sources: [SRC.sdkExceptionApiTest, SRC.sdkExceptionsMiddleware],
    fields: {},
    guess: 'HTTP 400 is the SDK mock. Not in the docs error list.',
    expect: {
      errorCode: 'idempotency_key_already_exists',
      errorDescription: 'already in progress or processed',
    },
  },

  // ---------------------------------------------------------------- webhooks
  {
    file: 'wh-ready-to-confirm-v1.json',
    kind: 'webhook',
    webhookType: 'ready_to_confirm',
    sources: [SRC.docWebhooks, SRC.docRuAccount, SRC.sgReadyToConfirm],
    fields: {
      'session.next_action': SRC.sgReadyToConfirm,
      'session.payments[].payment_method.bank_account.ru': `${SRC.docTokenPayout} (echo in the init answer)`,
    },
    guess:
      'The recipient block: the only payout example of ready_to_confirm shows a card (last4, brand). Here it echoes what init/payout echoes (token, full_name, description), with no account.',
    expect: { ...happy, sessionStatus: 'in_progress', nextAction: 'confirm', payoutStatus: 'pending' },
  },
  {
    file: 'wh-ready-to-confirm-v2.json',
    kind: 'webhook',
    webhookType: 'ready_to_confirm',
    sources: [SRC.docWebhooks, SRC.docFormat, SRC.sdkSession, SRC.sgReadyToConfirm],
    fields: {
      'session.payout_list[].payout_details.bank_account.ru.account': `${SRC.docTokenPayout} (mask format of masked_account)`,
    },
    guess:
      'Whether webhooks follow the v2 names, and the recipient block: here bik + a masked account + full_name and no token; the mask format is borrowed from tokenize.',
    expect: {
      sessionId: 'ps_4120580',
      sessionStatus: 'in_progress',
      nextAction: 'confirm',
      payoutId: 'po_982219',
      payoutStatus: 'pending',
      amount: 150000,
      currency: 'rub',
      maskedAccount: '40817***9535',
      token: undefined,
      fullName: IVANOV,
      workflowId: 'payout-5b77e0c4',
    },
  },
  {
    file: 'wh-payment-finished-succeeded.json',
    kind: 'webhook',
    webhookType: 'payment_finished',
    sources: [SRC.docWebhooks, SRC.sdkPayout, SRC.sdkWebHookTypeEnum],
    fields: {
      'session.payments[].amounts.fee.merchant_fee': `${SRC.docWebhooks} (fee in webhooks when the manager enables it)`,
    },
    expect: {
      ...happy,
      sessionStatus: 'accepted',
      payoutStatus: 'succeeded',
      fee: { amount: 3000, currency: 'RUB' },
    },
  },
  {
    file: 'wh-payment-finished-failed.json',
    kind: 'webhook',
    webhookType: 'payment_finished',
    sources: [SRC.docWebhooks, SRC.sdkSession, SRC.sdkPayout, SRC.sdkError, SRC.docErrors],
    fields: {},
    guess: 'Session status "cancelled" for a failed payout, and the error repeated on the session.',
    expect: failed,
  },
  {
    file: 'wh-payment-refunded.json',
    kind: 'webhook',
    webhookType: 'payment_refunded',
    sources: [SRC.docRefunds, SRC.docRefundsOld, SRC.sdkPayoutRefund, SRC.sdkAbstractRefund],
    fields: {
      'session.payments[].id': `${SRC.docRefunds} (the returned payout's ID)`,
      'session.payments[].refunds[]': SRC.sdkAbstractRefund,
    },
    guess: 'The refund status value ("accepted") and that the payout itself stays "succeeded".',
    expect: { ...happy, sessionStatus: 'accepted', payoutStatus: 'succeeded', refundIds: ['rf_30211'] },
  },
  {
    file: 'wh-sdk-minimal.json',
    kind: 'webhook',
    webhookType: 'payment_finished',
    sources: [SRC.sdkWebHookHandlerTest],
    fields: {},
    note: "The SDK's webhook fixture shape: a session with no payouts at all.",
    expect: {
      sessionId: 'ps_4120600',
      sessionStatus: 'created',
      payoutId: undefined,
      payoutStatus: undefined,
    },
  },
  {
    file: 'wh-unknown-transaction-registration.json',
    kind: 'webhook',
    webhookType: 'transaction_registration',
    sources: [SRC.docTransferNotif, SRC.sdkWebHookHandler],
    fields: { session_payment_id: SRC.docTransferNotif },
    note: 'A real Bank 131 type our client does not handle (the SDK throws on unknown types; we must not).',
    expect: {
      sessionId: 'ps_4120611',
      sessionStatus: 'accepted',
      payoutId: 'po_982301',
      payoutStatus: 'succeeded',
      amount: 250000,
      currency: 'rub',
    },
  },
];
