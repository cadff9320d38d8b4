/**
 * Starts `temporal server start-dev` as a child process and waits until its frontend answers.
 * Used by `npm run temporal`, `npm start`, the test global setup, the fault tests and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { resolveTemporalCli } from './temporal-cli';
import { SEARCH_ATTRIBUTE_CLI_ARGS } from '../workflows/search-attributes';

export interface DevServerOptions {
  port?: number;
  /** SQLite file; in-memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  /** Serve the Web UI on this port; headless when omitted. */
  uiPort?: number;
  uiCodecEndpoint?: string;
  ip?: string;
  /** Where the server's own stdout/stderr go. */
  stdio?: 'inherit' | 'ignore';
  startupTimeoutMs?: number;
  /** Extra `--dynamic-config-value` settings (key → value), after the defaults below. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Serve the server's Prometheus metrics on this port (the benchmark's `--server-requests`). */
  metricsPort?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  port: number;
  uiUrl?: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function devServerArgs(
  opts: Required<Pick<DevServerOptions, 'port' | 'namespace' | 'ip'>> & DevServerOptions,
): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    opts.ip,
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
  ];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (opts.dbFilename) {
    args.push(
      '--db-filename',
      opts.dbFilename,
      '--sqlite-pragma',
      'journal_mode=WAL',
      '--sqlite-pragma',
      'synchronous=NORMAL',
    );
  }
  if (opts.uiPort) {
    args.push('--ui-port', String(opts.uiPort));
    if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  } else {
    args.push('--headless');
  }
  // The server's HTTP API on a random port would collide across parallel servers less often than a fixed one.
  args.push('--http-port', '0');
  if (opts.metricsPort) args.push('--metrics-port', String(opts.metricsPort));
  for (const sa of SEARCH_ATTRIBUTE_CLI_ARGS) args.push('--search-attribute', sa);
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true');
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  return args;
}

export async function waitForFrontend(
  address: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
  /** TLS and credentials for a server that requires them (the cluster). */
  connectOptions: Omit<ConnectionOptions, 'connectTimeout'> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`temporal dev server exited before it was ready`);
    try {
      const connection = await Connection.connect({ ...connectOptions, address, connectTimeout: 1000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`temporal dev server at ${address} not ready after ${timeoutMs}ms: ${String(lastError)}`);
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const namespace = options.namespace ?? 'default';
  const binary = resolveTemporalCli();
  const child = spawn(binary, devServerArgs({ ...options, ip, port, namespace }), {
    stdio: ['ignore', options.stdio ?? 'ignore', options.stdio ?? 'ignore'],
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const address = `${ip}:${port}`;
  try {
    await waitForFrontend(address, options.startupTimeoutMs ?? 60_000, () => !exited);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stopWith = async (signal: NodeJS.Signals, graceMs: number) => {
    if (exited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exitPromise;
    clearTimeout(timer);
  };
  return {
    address,
    namespace,
    port,
    uiUrl: options.uiPort ? `http://${ip === '0.0.0.0' ? '127.0.0.1' : ip}:${options.uiPort}` : undefined,
    process: child,
    stop: () => stopWith('SIGTERM', 10_000),
    kill: () => stopWith('SIGKILL', 0),
  };
}
