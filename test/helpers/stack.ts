import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { inject } from 'vitest';
import { Bank131Client } from '../../bank131/client';
import type { MethodSettings, PayoutSettings } from '../../policy/settings';
import { loadPayoutSettings } from '../../config';
import { demoPayoutRequest } from '../../harness/demo-payout';
import { testStackCredentials } from './temporal-credentials';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../harness/local-stack';

/** A fixed, test-only codec key, so recorded histories can be replayed by later runs. */
export const TEST_CODEC_KEYS = 'test-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

/** Timeouts short enough for tests to exercise every timer path on the real server. */
export const FAST_SETTINGS: PayoutSettings = {
  policy: loadPayoutSettings({}).policy,
  timeouts: {
    approvalTimeoutMs: 2_000,
    readyTimeoutMs: 2_000,
    finishTimeoutMs: 2_000,
    reconcileInitialIntervalMs: 200,
    reconcileMaxIntervalMs: 1_000,
    reconcileMaxDurationMs: 4_000,
    bankCallTimeoutMs: 5_000,
  },
};

/** Payout methods (issue 15) at test speed: a stack passes `{ ...FAST_SETTINGS, methods: FAST_METHODS }`. */
export const FAST_METHODS: MethodSettings = {
  sbpVerification: true,
  sbpVerificationTimeoutMs: 3_000,
  balanceCheck: true,
  fundsWaitInitialIntervalMs: 200,
  fundsWaitMaxIntervalMs: 500,
  fundsWaitMaxDurationMs: 3_000,
  receiptDeadlineMs: 1_500,
  receiptPollIntervalMs: 300,
};

/** The test stack; `simulator` options are merged over these fast defaults, the rest replace them. */
export function startTestStack(opts: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  return startLocalStack({
    temporalAddress: inject('temporalAddress'),
    // A test that runs its own (dev) server passes its address: plaintext there.
    temporalCredentials: opts.temporalAddress ? undefined : testStackCredentials(),
    workflowBundlePath: inject('workflowBundlePath'),
    taskQueue: `payouts-${randomUUID()}`,
    codecKeys: TEST_CODEC_KEYS,
    settings: FAST_SETTINGS,
    ...opts,
    simulator: {
      processingDelayMs: 30,
      webhookRetryInitialMs: 50,
      webhookRetryMaxMs: 500,
      webhookRetryGiveUpMs: 60_000,
      scenariosByAmount: false,
      ...opts.simulator,
    },
  });
}

export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

/** With RECORD_HISTORIES=1, keeps the run's history for the replay test (test/integration/replay.test.ts). */
export async function recordHistory(stack: LocalStack, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // The workflow ID is part of the name: the replay must run under the same ID the policy checked.
  writeFileSync(path.join(HISTORIES_DIR, `${name}~${workflowId}.json`), historyToJSON(history));
}

let counter = 0;
export function uniquePayoutId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** A valid payout to the demo account. */
export const accountRequest = demoPayoutRequest;

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A token the caller got earlier, straight from the bank (the simulator): for payouts by token. */
export async function tokenizeDirectly(stack: LocalStack, account = '40702810200000000025'): Promise<string> {
  const bank = new Bank131Client({
    baseUrl: stack.simulator.url,
    projectId: 'demo-project',
    privateKeyPem: stack.keys.partner.privateKeyPem,
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 5_000,
    maxConnections: 1,
  });
  try {
    return (await bank.tokenize({ bik: '049205131', account })).token;
  } finally {
    await bank.close();
  }
}
