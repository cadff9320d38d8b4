/**
 * Our real processes (worker, gateway) as child processes: fault tests SIGKILL them mid-step and start them
 * again, as happens in production; the benchmark measures their CPU and memory apart from everything else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { PayoutSettings } from '../policy/settings';
import { INSECURE_LOCAL_DEV_FLAG } from '../config/secrets';
import { PROJECT_ROOT } from '../config/local-demo';
import type { LocalStack, StackProcess } from './local-stack';

export interface ChildService {
  process: ChildProcess;
  output: () => string;
  /** SIGKILL: no cleanup, no drain, as a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

/** Runs a TypeScript entry point under tsx; resolves once its output matches `readyLine`. */
export function spawnService(
  entry: string,
  env: NodeJS.ProcessEnv,
  readyLine: RegExp,
  nodeArgs: string[] = [],
): Promise<ChildService> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    // The harness runs against the local simulator: a local demo by definition (config/secrets.ts).
    env: { ...process.env, [INSECURE_LOCAL_DEV_FLAG]: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const killWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in time:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-65_536); // keep the tail: enough to explain a failure
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve({
          process: child,
          output: () => output,
          kill: () => killWith('SIGKILL'),
          stop: () => killWith('SIGTERM'),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

export function settingsEnv(settings: PayoutSettings): NodeJS.ProcessEnv {
  const t = settings.timeouts;
  return {
    PAYOUT_CURRENCIES: settings.policy.currencies.join(','),
    PAYOUT_MIN_AMOUNT: String(settings.policy.minAmount),
    PAYOUT_MAX_AMOUNT: String(settings.policy.maxAmount),
    PAYOUT_APPROVAL_THRESHOLD: String(settings.policy.approvalThreshold),
    ...(settings.policy.unverifiedDetails
      ? { PAYOUT_UNVERIFIED_DETAILS: settings.policy.unverifiedDetails }
      : {}),
    PAYOUT_APPROVAL_TIMEOUT: String(t.approvalTimeoutMs),
    PAYOUT_READY_TIMEOUT: String(t.readyTimeoutMs),
    PAYOUT_FINISH_TIMEOUT: String(t.finishTimeoutMs),
    PAYOUT_RECONCILE_INITIAL_INTERVAL: String(t.reconcileInitialIntervalMs),
    PAYOUT_RECONCILE_MAX_INTERVAL: String(t.reconcileMaxIntervalMs),
    PAYOUT_RECONCILE_MAX_DURATION: String(t.reconcileMaxDurationMs),
    PAYOUT_BANK_CALL_TIMEOUT: String(t.bankCallTimeoutMs),
    ...methodsEnv(settings.methods),
  };
}

/** Settings without `methods` mean no balance check and no SBP verification, as in the in-process worker. */
function methodsEnv(m: PayoutSettings['methods']): NodeJS.ProcessEnv {
  if (!m) return { PAYOUT_BALANCE_CHECK: 'off', PAYOUT_SBP_VERIFICATION: 'off' };
  return {
    PAYOUT_SBP_VERIFICATION: m.sbpVerification ? 'on' : 'off',
    PAYOUT_SBP_VERIFICATION_TIMEOUT: String(m.sbpVerificationTimeoutMs),
    PAYOUT_BALANCE_CHECK: m.balanceCheck ? 'on' : 'off',
    PAYOUT_FUNDS_WAIT_INITIAL_INTERVAL: String(m.fundsWaitInitialIntervalMs),
    PAYOUT_FUNDS_WAIT_MAX_INTERVAL: String(m.fundsWaitMaxIntervalMs),
    PAYOUT_FUNDS_WAIT_MAX_DURATION: String(m.fundsWaitMaxDurationMs),
    PAYOUT_RECEIPT_DEADLINE: String(m.receiptDeadlineMs),
    PAYOUT_RECEIPT_POLL_INTERVAL: String(m.receiptPollIntervalMs),
  };
}

/**
 * The variables config/temporal.ts reads, for the stack's Temporal: Temporal's environment configuration, with
 * the process's own certificate and token (the _DATA variants) when the stack has credentials.
 */
function temporalEnv(stack: LocalStack, process: StackProcess): NodeJS.ProcessEnv {
  const credential = stack.temporalCredentials?.[process];
  const tls = typeof credential?.tls === 'object' ? credential.tls : undefined;
  const text = (data: Uint8Array | undefined) => (data ? Buffer.from(data).toString('utf8') : undefined);
  const env: NodeJS.ProcessEnv = {
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    TEMPORAL_TASK_QUEUE: stack.temporal.taskQueue,
    PAYLOAD_CODEC_KEYS: stack.temporal.codecKeys,
    TEMPORAL_API_KEY: credential?.apiKey,
    TEMPORAL_TLS_SERVER_NAME: tls?.serverNameOverride,
    TEMPORAL_TLS_SERVER_CA_CERT_DATA: text(tls?.serverRootCACertificate),
    TEMPORAL_TLS_CLIENT_CERT_DATA: text(tls?.clientCertPair?.crt),
    TEMPORAL_TLS_CLIENT_KEY_DATA: text(tls?.clientCertPair?.key),
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

export function spawnWorker(
  stack: LocalStack,
  workflowBundlePath: string,
  extraEnv: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<ChildService> {
  return spawnService(
    'workers/main.ts',
    {
      ...temporalEnv(stack, 'worker'),
      BANK131_BASE_URL: stack.simulator.url,
      BANK131_PROJECT_ID: 'demo-project',
      BANK131_PRIVATE_KEY: stack.keys.partner.privateKeyPem,
      BANK131_REQUEST_TIMEOUT: '3s',
      WORKFLOW_BUNDLE_PATH: workflowBundlePath,
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...settingsEnv(stack.settings),
      ...extraEnv,
    },
    /worker started/,
    nodeArgs,
  );
}

export function spawnGateway(
  stack: LocalStack,
  port: number,
  extraEnv: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<ChildService> {
  return spawnService(
    'webhook-gateway/main.ts',
    {
      ...temporalEnv(stack, 'gateway'),
      BANK131_PUBLIC_KEYS: stack.keys.bank.publicKeyPem,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      // Any free port: several gateways may run side by side.
      GATEWAY_INTERNAL_PORT: '0',
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
    /webhook gateway listening/,
    nodeArgs,
  );
}
