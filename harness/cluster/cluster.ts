/**
 * A production-shaped Temporal cluster on one machine, the docker-compose.yml stack without Docker:
 *   postgresql                -> a private PostgreSQL (Debian's binaries), data in <dataDir>/postgres
 *   temporal-admin-tools      -> deploy/temporal/setup-postgres.sh with our temporal-sql-tool build
 *   temporal                  -> temporal-server at the pinned version, the image's config template, PostgreSQL
 *                                persistence and SQL visibility, deploy/temporal/dynamicconfig; its services as
 *                                five processes (frontend, internal-frontend, history, matching, worker) on
 *                                loopback ports
 *   temporal-create-namespace -> deploy/temporal/create-namespace.sh with our temporal CLI build
 * Used by `npm run cluster`, the cluster test target (test/setup/cluster-global-setup.ts) and the benchmark.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '../../config/local-demo';
import { resolveTemporalCli } from '../temporal-cli';
import { waitForFrontend } from '../dev-server';
import { SEARCH_ATTRIBUTE_CLI_ARGS } from '../../workflows/search-attributes';
import {
  connectionOptionsFor,
  DEFAULT_CERTS_DIR,
  FRONTEND_SERVER_NAME,
  generateTemporalCredentials,
  INTERNODE_SERVER_NAME,
  type CredentialName,
  type TemporalCredentials,
} from '../certs';
import { resolveServerBinaries, type ServerBinaries } from './binaries';
import { serveJwks, type JwksServer } from './jwks';
import type { StackProcess, TemporalCredential } from '../local-stack';
import {
  CLUSTER_SERVICES,
  DEFAULT_CLUSTER_PORTS,
  serverArgs,
  serverEnv,
  writeServerConfig,
  type ClusterPorts,
  type ClusterService,
} from './config';
import { createPostgres, type Postgres } from './postgres';

export const DEFAULT_CLUSTER_DIR = path.join(PROJECT_ROOT, '.data', 'cluster');
export const DEPLOY_DIR = path.join(PROJECT_ROOT, 'deploy', 'temporal');
export const DYNAMIC_CONFIG_FILE = path.join(DEPLOY_DIR, 'dynamicconfig', 'development-sql.yaml');

export interface ClusterOptions {
  /** Everything the cluster keeps: PostgreSQL's data, the rendered config, logs. Default `.data/cluster`. */
  dataDir?: string;
  /** Wipe dataDir first. */
  reset?: boolean;
  /** Fixed ports (default: the compose/template ports) or `'free'`: any free loopback ports (tests). */
  ports?: Partial<ClusterPorts> | 'free';
  namespace?: string;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
  /** Where the services listen: loopback by default; 0.0.0.0 to serve workers on other machines. */
  bindIp?: string;
  /** With bindIp 0.0.0.0: this host's address as the other nodes reach it (TEMPORAL_BROADCAST_ADDRESS). */
  broadcastAddress?: string;
  /** The server's log level (its logs go to <dataDir>/logs/<service>.log). */
  logLevel?: string;
  startupTimeoutMs?: number;
  /**
   * Plaintext and no authorization, as before mTLS (debugging only). By default the frontend and the internode
   * port require client certificates and the default authorizer checks a JWT on every call.
   */
  insecure?: boolean;
  /** The credentials folder (harness/certs.ts): default secrets/temporal, created when missing. */
  certsDir?: string;
}

/** How a client of this cluster connects with one credential (what @temporalio/client and the worker take). */
export type ClusterConnectionOptions = ReturnType<typeof connectionOptionsFor> | { address: string };

export interface ClusterServiceProcess {
  name: ClusterService;
  process?: ChildProcess;
  pid?: number;
  logFile: string;
}

export interface Cluster {
  address: string;
  namespace: string;
  ports: ClusterPorts;
  dataDir: string;
  binaries: ServerBinaries;
  postgres: Postgres;
  services: Record<ClusterService, ClusterServiceProcess>;
  /** The credentials the cluster trusts; undefined when started `insecure`. */
  credentials?: TemporalCredentials;
  /** Connection options for one credential (just the address when insecure). */
  connectionOptions(credential: CredentialName): ClusterConnectionOptions;
  /** SIGKILL one service process, as a crash would. */
  kill(service: ClusterService): Promise<void>;
  /** SIGTERM one service process and wait for it to exit. */
  stopService(service: ClusterService): Promise<void>;
  /** Start a service that is not running, with the same config and ports. */
  startService(service: ClusterService): Promise<void>;
  /** `pg_ctl stop -m fast` then start: every open connection is cut. */
  restartPostgres(downMs?: number): Promise<void>;
  /** Waits until the frontend answers health checks. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Stops the five service processes, then PostgreSQL. */
  stop(): Promise<void>;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free loopback ports below 32768: Temporal keeps membership ports in a SMALLINT column
 * (cluster_membership.rpc_port), so the kernel's ephemeral ports (32768+) fail with
 * 'value "42601" is out of range for type smallint'.
 */
export async function freePorts(): Promise<ClusterPorts> {
  const seen = new Set<number>();
  const next = async () => {
    for (;;) {
      const p = 20_000 + Math.floor(Math.random() * 12_000);
      if (!seen.has(p) && (await canListen(p))) {
        seen.add(p);
        return p;
      }
    }
  };
  const ports = {} as ClusterPorts;
  for (const key of Object.keys(DEFAULT_CLUSTER_PORTS) as (keyof ClusterPorts)[]) ports[key] = await next();
  return ports;
}

function runScript(
  script: string,
  env: Record<string, string>,
  what: string,
  log: (line: string) => void,
): void {
  const r = spawnSync('bash', [script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0) {
    throw new Error(
      `${what} (${path.relative(PROJECT_ROOT, script)}) failed (exit ${r.status ?? r.signal}):\n${output}`,
    );
  }
  // The scripts' own lines (not the tools' timestamped debug output).
  for (const line of output
    .split('\n')
    .filter((l) => /^(temporal|namespace|search attribute|waiting|error)/.test(l)))
    log(`[cluster]   ${line}`);
}

/** Processes a previous run left behind (its parent was killed): only ours, recognised by binary and config. */
function killStale(pidFile: string, binary: string, log: (line: string) => void): void {
  if (!existsSync(pidFile)) return;
  let pids: Record<string, number> = {};
  try {
    pids = JSON.parse(readFileSync(pidFile, 'utf8')) as Record<string, number>;
  } catch {
    /* unreadable: nothing to do */
  }
  for (const [name, pid] of Object.entries(pids)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(binary)) {
        log(`[cluster] stopping ${name} (pid ${pid}) left running by an earlier run`);
        process.kill(pid, 'SIGKILL');
      }
    } catch {
      /* gone */
    }
  }
  rmSync(pidFile, { force: true });
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_CLUSTER_DIR);
  const namespace = options.namespace ?? 'default';
  const ports: ClusterPorts =
    options.ports === 'free' ? await freePorts() : { ...DEFAULT_CLUSTER_PORTS, ...options.ports };

  if (options.ports !== 'free') {
    // Fixed ports: say which one is taken before anything starts (a dev server on 7233, say).
    const pidFileRunning = existsSync(path.join(dataDir, 'pids.json'));
    for (const [name, port] of Object.entries(ports) as [keyof ClusterPorts, number][]) {
      if (name === 'postgres' || pidFileRunning) continue; // ours from an earlier run: handled below
      if (!(await canListen(port)))
        throw new Error(
          `port ${port} (${name}) on 127.0.0.1 is in use: stop whatever listens there (a dev server from ` +
            '`npm run temporal`, another cluster) or move the frontend with --port',
        );
    }
  }

  log('[cluster] 1/5 binaries');
  const binaries = resolveServerBinaries(log);
  const cli = resolveTemporalCli(log);
  const pidFile = path.join(dataDir, 'pids.json');
  killStale(pidFile, binaries.server, log);

  log(`[cluster] 2/5 PostgreSQL (${elapsed()})`);
  const postgres = createPostgres({ dir: path.join(dataDir, 'postgres'), port: ports.postgres, log });
  if (options.reset) {
    log(`[cluster] --reset: wiping ${dataDir}`);
    try {
      postgres.stop();
    } catch (err) {
      log(`[cluster] (could not stop the old PostgreSQL cleanly: ${String(err)})`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  postgres.start();

  log(`[cluster] 3/5 schemas: deploy/temporal/setup-postgres.sh (${elapsed()})`);
  runScript(
    path.join(DEPLOY_DIR, 'setup-postgres.sh'),
    {
      POSTGRES_SEEDS: postgres.host,
      DB_PORT: String(postgres.port),
      POSTGRES_USER: postgres.user,
      POSTGRES_PWD: postgres.password,
      SCHEMA_DIR: binaries.postgresSchemaDir,
      TEMPORAL_SQL_TOOL: binaries.sqlTool,
    },
    'schema setup',
    log,
  );

  log(`[cluster] 4/5 temporal-server ${CLUSTER_SERVICES.join(', ')} (${elapsed()})`);
  const configDir = path.join(dataDir, 'config');
  writeServerConfig(binaries.configTemplate, configDir);
  const address = `127.0.0.1:${ports.frontendGrpc}`;
  const secure = !options.insecure;
  let credentials: TemporalCredentials | undefined;
  let jwks: JwksServer | undefined;
  if (secure) {
    credentials = generateTemporalCredentials({
      dir: options.certsDir ?? DEFAULT_CERTS_DIR,
      namespace,
      address,
      log,
    });
    jwks = await serveJwks(credentials.jwks);
    log(
      `[cluster] mTLS (certificates in ${path.relative(PROJECT_ROOT, credentials.dir) || credentials.dir}) and ` +
        `the default authorizer (JWT keys at ${jwks.url})`,
    );
  } else {
    log('[cluster] --insecure: no TLS, no authorization');
  }
  const connectionOptions = (credential: CredentialName): ClusterConnectionOptions =>
    credentials ? connectionOptionsFor(credentials, credential, address) : { address };
  const env = serverEnv({
    ports,
    postgres,
    dynamicConfigFile: DYNAMIC_CONFIG_FILE,
    bindIp: options.bindIp,
    broadcastAddress: options.broadcastAddress,
    logLevel: options.logLevel ?? process.env.CLUSTER_LOG_LEVEL ?? 'warn',
    security:
      credentials && jwks
        ? {
            serverCa: credentials.serverCa,
            clientCa: credentials.clientCa,
            frontend: credentials.frontend,
            internode: credentials.internode,
            jwksUrl: jwks.url,
            frontendServerName: FRONTEND_SERVER_NAME,
            internodeServerName: INTERNODE_SERVER_NAME,
          }
        : undefined,
  });
  const services = Object.fromEntries(
    CLUSTER_SERVICES.map((name) => [name, { name, logFile: path.join(dataDir, 'logs', `${name}.log`) }]),
  ) as Record<ClusterService, ClusterServiceProcess>;
  const exits = new Map<ClusterService, Promise<void>>();

  const savePids = () =>
    writeFileSync(
      pidFile,
      JSON.stringify(
        Object.fromEntries(CLUSTER_SERVICES.map((n) => [n, services[n].pid]).filter(([, p]) => p)),
      ),
    );

  const startService = (name: ClusterService) => {
    const svc = services[name];
    if (svc.process && svc.process.exitCode === null && svc.process.signalCode === null)
      return Promise.resolve();
    const fd = openSync(svc.logFile, 'a');
    const child = spawn(binaries.server, serverArgs(configDir, name, secure), {
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    svc.process = child;
    svc.pid = child.pid;
    exits.set(
      name,
      new Promise<void>((resolve) =>
        child.once('exit', (code, signal) => {
          if (!stopping && !expectedExit.has(child))
            log(
              `[cluster] ${name} exited unexpectedly (${signal ?? `exit ${code}`}); see ${path.relative(PROJECT_ROOT, svc.logFile)}`,
            );
          resolve();
        }),
      ),
    );
    savePids();
    return Promise.resolve();
  };
  let stopping = false;
  const expectedExit = new WeakSet<ChildProcess>();

  const signalService = async (name: ClusterService, signal: NodeJS.Signals, graceMs: number) => {
    const svc = services[name];
    const child = svc.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    expectedExit.add(child);
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exits.get(name);
    clearTimeout(timer);
    svc.process = undefined;
    svc.pid = undefined;
    savePids();
  };

  const isAlive = (name: ClusterService) => {
    const p = services[name].process;
    return !!p && p.exitCode === null && p.signalCode === null;
  };
  const frontendAlive = () => {
    const p = services.frontend.process;
    return !!p && p.exitCode === null && p.signalCode === null;
  };
  const waitReady = async (timeoutMs = options.startupTimeoutMs ?? 120_000) => {
    try {
      await waitForFrontend(address, timeoutMs, frontendAlive, connectionOptions('admin'));
    } catch (err) {
      const dead = CLUSTER_SERVICES.filter((n) => {
        const p = services[n].process;
        return !p || p.exitCode !== null || p.signalCode !== null;
      });
      const tails = dead
        .map((n) => services[n].logFile)
        .filter((f) => existsSync(f))
        .map((f) => `--- ${f} (tail) ---\n${readFileSync(f, 'utf8').split('\n').slice(-8).join('\n')}`);
      throw new Error(
        dead.length
          ? `temporal-server ${dead.join(', ')} exited during startup:\n${tails.join('\n')}`
          : `temporal frontend at ${address} not ready after ${timeoutMs}ms: ${(err as Error).message}`,
      );
    }
  };

  // If this process exits without stop() (an uncaught error, vitest torn down hard), take the cluster along.
  const onExit = () => {
    for (const n of CLUSTER_SERVICES) services[n].process?.kill('SIGKILL');
    try {
      postgres.stop();
    } catch {
      /* best effort while exiting */
    }
  };
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    stopping = true;
    // The frontend first, so clients see it go; then the rest together.
    await signalService('frontend', 'SIGTERM', 10_000);
    await Promise.all(CLUSTER_SERVICES.map((n) => signalService(n, 'SIGTERM', 10_000)));
    await jwks?.close();
    rmSync(pidFile, { force: true });
    try {
      postgres.stop();
    } catch (err) {
      log(`[cluster] stopping PostgreSQL: ${String(err)}`);
    }
  };

  try {
    // History first, and only once it listens: every service writes the cluster metadata record on a
    // fresh database, and those that lose that race exit ("duplicate key … cluster_metadata_info").
    await startService('history');
    await waitForListening(ports.historyGrpc, () => isAlive('history'), options.startupTimeoutMs ?? 120_000);
    for (const name of ['matching', 'internal-frontend', 'frontend', 'worker'] as const)
      await startService(name);
    await waitReady();
    // The frontend answering says nothing of the others: a service that died is an error, not a slow start.
    const dead = CLUSTER_SERVICES.filter((n) => !isAlive(n));
    if (dead.length > 0)
      throw new Error(
        `temporal-server ${dead.join(', ')} exited during startup: ${dead.map((n) => path.relative(PROJECT_ROOT, services[n].logFile)).join(', ')}`,
      );
    log(`[cluster] frontend answers at ${address} (${elapsed()})`);

    log(`[cluster] 5/5 namespace: deploy/temporal/create-namespace.sh (${elapsed()})`);
    runScript(
      path.join(DEPLOY_DIR, 'create-namespace.sh'),
      {
        TEMPORAL_ADDRESS: address,
        DEFAULT_NAMESPACE: namespace,
        SEARCH_ATTRIBUTES: SEARCH_ATTRIBUTE_CLI_ARGS.join(' '),
        TEMPORAL_CLI: cli,
        RETRY_SECONDS: '1',
        MAX_ATTEMPTS: '60',
        ...(credentials ? cliCredentialEnv(credentials, 'admin') : {}),
      },
      'namespace setup',
      log,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  log(`[cluster] ready in ${elapsed()}: ${address}, namespace ${namespace}`);

  return {
    address,
    namespace,
    ports,
    dataDir,
    binaries,
    postgres,
    services,
    credentials,
    connectionOptions,
    kill: (name) => signalService(name, 'SIGKILL', 0),
    stopService: (name) => signalService(name, 'SIGTERM', 10_000),
    startService,
    restartPostgres: async (downMs = 0) => {
      postgres.stop();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      postgres.start();
    },
    waitReady,
    stop,
  };
}

/** The local stack's per-process credentials on this cluster (none when it runs insecure). */
export function stackCredentials(
  cluster: Pick<Cluster, 'credentials' | 'connectionOptions'>,
): Partial<Record<StackProcess, TemporalCredential>> | undefined {
  if (!cluster.credentials) return undefined;
  const pick = (name: StackProcess): TemporalCredential => {
    const o = cluster.connectionOptions(name);
    return 'tls' in o ? { tls: o.tls, apiKey: o.apiKey } : {};
  };
  return { backend: pick('backend'), gateway: pick('gateway'), worker: pick('worker') };
}

/**
 * The temporal CLI's environment configuration for one credential (the variables every Temporal SDK and the
 * CLI read): the one-shot scripts run with the admin credential.
 */
export function cliCredentialEnv(creds: TemporalCredentials, name: CredentialName): Record<string, string> {
  const c = creds.clients[name];
  return {
    TEMPORAL_TLS_CLIENT_CERT_PATH: c.cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: c.key,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: creds.serverCa,
    TEMPORAL_TLS_SERVER_NAME: FRONTEND_SERVER_NAME,
    TEMPORAL_API_KEY: readFileSync(c.token, 'utf8').trim(),
  };
}

/** Resolves once a TCP connection to the loopback port succeeds; rejects when `alive` turns false or time runs out. */
async function waitForListening(port: number, alive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (!alive()) throw new Error(`the service meant to listen on port ${port} exited during startup`);
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
