/**
 * The compose stack's `temporal-ui` service without Docker: the Temporal UI server (`temporal-ui-server`, built
 * from the Go module proxy like temporal-server; the module carries the built web assets, which is how the
 * temporal CLI embeds the UI) pointed at the cluster's frontend, with our codec server as its codec endpoint.
 * Version: v2.42.1, the `temporalio/ui:2.42.1` image docker-compose.yml pins and the ui-server the cached
 * temporal CLI v1.5.1 embeds (its go.mod); test/unit/cluster-ui.test.ts keeps compose and this file in step.
 * Binary order: $TEMPORAL_UI_SERVER_PATH, the project's `.tools/`, the per-user cache, else `go install`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { AesGcmPayloadCodec, parseCodecKeys } from '../../codec/aes-gcm-codec';
import { AUTH_DISABLED_FOR_LOCAL_DEV, startCodecServer, type RunningCodecServer } from '../../codec/server';
import { PROJECT_ROOT } from '../../config/local-demo';
import type { Logger } from '../../observability/logger';
import { freePort } from '../dev-server';
import { findOnPath, isExecutable, projectToolDir, userCacheToolDir } from '../tools';
import { startUiProxy, type UiProfile, type UiProxy } from './ui-proxy';

/** The one place the UI version is pinned; test/unit/cluster-ui.test.ts keeps docker-compose.yml in step. */
export const TEMPORAL_UI_VERSION = 'v2.42.1';
export const TEMPORAL_UI_MODULE = 'github.com/temporalio/ui-server/v2';
const BINARY = 'temporal-ui-server';

export const UI_TOOLS_DIR = projectToolDir('temporal-ui-server', TEMPORAL_UI_VERSION);
export const UI_USER_CACHE_DIR = userCacheToolDir('temporal-ui-server', TEMPORAL_UI_VERSION);

/** The ports compose publishes: the UI on 8233 (`8233:8080`), the codec server on 8888. */
export const DEFAULT_UI_PORT = 8233;
export const DEFAULT_CODEC_PORT = 8888;

/** Finds or builds temporal-ui-server; each missing prerequisite is an error that says how to fix it. */
export function resolveUiServer(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): string {
  const fromEnv = process.env.TEMPORAL_UI_SERVER_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv))
      throw new Error(`TEMPORAL_UI_SERVER_PATH=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const tools = path.join(UI_TOOLS_DIR, BINARY);
  if (isExecutable(tools)) return tools;
  const user = path.join(UI_USER_CACHE_DIR, BINARY);
  if (isExecutable(user)) return user;

  if (!findOnPath('go')) {
    throw new Error(
      `No temporal-ui-server ${TEMPORAL_UI_VERSION} built yet and Go is not installed to build it.\n` +
        'Fix: install Go >= 1.24 (https://go.dev/dl or `apt-get install golang`), or set TEMPORAL_UI_SERVER_PATH ' +
        `to a temporal-ui-server binary (${TEMPORAL_UI_MODULE}/cmd/server@${TEMPORAL_UI_VERSION}).`,
    );
  }
  mkdirSync(UI_TOOLS_DIR, { recursive: true });
  const module = `${TEMPORAL_UI_MODULE}/cmd/server@${TEMPORAL_UI_VERSION}`;
  log(
    `[cluster] building ${module} into ${UI_TOOLS_DIR} (first run only; well under a minute once Go's caches are warm)...`,
  );
  const started = Date.now();
  const result = spawnSync('go', ['install', '-trimpath', module], {
    env: { ...process.env, CGO_ENABLED: '0', GOBIN: UI_TOOLS_DIR, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = path.join(UI_TOOLS_DIR, 'server');
  if (result.status !== 0 || !isExecutable(built)) {
    throw new Error(
      `building temporal-ui-server failed (go install ${module} exit ${result.status ?? result.signal}); see the output above`,
    );
  }
  renameSync(built, tools);
  log(`[cluster] built ${tools} in ${Math.round((Date.now() - started) / 1000)}s`);
  try {
    mkdirSync(UI_USER_CACHE_DIR, { recursive: true });
    copyFileSync(tools, user);
  } catch (err) {
    log(
      `[cluster] could not keep a copy in ${UI_USER_CACHE_DIR} (${String(err)}); the next fresh clone builds again`,
    );
  }
  return tools;
}

/** How the UI reaches a TLS frontend (h-mtls's work switches it on); paths as ui-server's `tls` block reads them. */
export interface UiTlsOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** The name in the frontend's certificate, when it differs from the host in the address. */
  serverName?: string;
  /** Check the frontend's certificate against serverName (default true once TLS is on). */
  enableHostVerification?: boolean;
}

export interface UiConfigOptions {
  /** The cluster's frontend, host:port. */
  temporalAddress: string;
  host: string;
  port: number;
  namespace?: string;
  /** The codec server as the operator's browser reaches it (the browser calls it, not the UI server). */
  codecEndpoint: string;
  /** Send the operator's SSO access token to the codec server as `Authorization: Bearer` (UI needs SSO). */
  codecPassAccessToken?: boolean;
  /** Origins the UI is opened from; default http://<host>:<port> and http://localhost:<port>. */
  origins?: string[];
  tls?: UiTlsOptions;
  /**
   * Hide and refuse the UI's write actions (ui-server's disableWriteActions: every non-GET API call but
   * queries answers 405). A convenience for a read-only operator; the frontend's authorizer is the control.
   */
  disableWriteActions?: boolean;
}

/** The fields of ui-server's config.Config this stack sets (yaml tags of server/config/config.go at v2.42.1). */
export interface UiServerConfig {
  temporalGrpcAddress: string;
  host: string;
  port: number;
  publicPath: string;
  enableUi: boolean;
  defaultNamespace: string;
  notifyOnNewVersion: boolean;
  refreshInterval: string;
  showTemporalSystemNamespace: boolean;
  cors: { allowOrigins: string[]; unsafeAllowAllOrigins: boolean; cookieInsecure: boolean };
  tls: {
    caFile: string;
    certFile: string;
    keyFile: string;
    serverName: string;
    enableHostVerification: boolean;
  };
  auth: { enabled: boolean };
  codec: { endpoint: string; passAccessToken: boolean; includeCredentials: boolean };
  disableWriteActions: boolean;
  forwardHeaders: string[];
  hideLogs: boolean;
}

export function uiOrigins(host: string, port: number): string[] {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return [...new Set([`http://${shown}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`])];
}

/** The UI's config: what compose gives `temporal-ui` through TEMPORAL_* variables, as a file. Pure. */
export function uiConfig(opts: UiConfigOptions): UiServerConfig {
  if (!/^https?:\/\//.test(opts.codecEndpoint))
    throw new Error(
      `codec endpoint must be an http(s) URL the browser can reach, got "${opts.codecEndpoint}"`,
    );
  const passAccessToken = opts.codecPassAccessToken ?? false;
  // The UI sends the token only to an https endpoint and otherwise skips decoding: say so instead.
  if (passAccessToken && !opts.codecEndpoint.startsWith('https://'))
    throw new Error('passing the access token to the codec server needs an https:// codec endpoint');
  const tls = opts.tls;
  const tlsOn = !!(tls && (tls.caFile || tls.certFile || tls.keyFile || tls.serverName));
  if (tls && !!tls.certFile !== !!tls.keyFile)
    throw new Error('UI TLS: give both certFile and keyFile (the client certificate for mTLS), or neither');
  return {
    temporalGrpcAddress: opts.temporalAddress,
    host: opts.host,
    port: opts.port,
    publicPath: '',
    enableUi: true,
    defaultNamespace: opts.namespace ?? 'default',
    notifyOnNewVersion: false, // no calls home from a cluster's UI
    refreshInterval: '0s',
    showTemporalSystemNamespace: false,
    cors: {
      allowOrigins: opts.origins ?? uiOrigins(opts.host, opts.port),
      unsafeAllowAllOrigins: false,
      // Plain HTTP on loopback: the CSRF cookie must still be sent.
      cookieInsecure: !tlsOn && !(opts.origins ?? []).some((o) => o.startsWith('https://')),
    },
    tls: {
      caFile: tls?.caFile ?? '',
      certFile: tls?.certFile ?? '',
      keyFile: tls?.keyFile ?? '',
      serverName: tls?.serverName ?? '',
      enableHostVerification: tlsOn ? (tls?.enableHostVerification ?? true) : false,
    },
    auth: { enabled: false },
    codec: { endpoint: opts.codecEndpoint.replace(/\/+$/, ''), passAccessToken, includeCredentials: false },
    disableWriteActions: opts.disableWriteActions ?? false,
    forwardHeaders: [],
    hideLogs: false,
  };
}

/** JSON is YAML: ui-server's loader reads it as is, and no YAML library is needed at run time. */
export function renderUiConfig(config: UiServerConfig): string {
  return `# written by harness/cluster/ui.ts (npm run cluster); do not edit, it is rewritten on each start\n${JSON.stringify(config, null, 2)}\n`;
}

/**
 * The variables compose gives `temporal-ui`, and the field of our file each one fills in the image's template
 * (config/docker.yaml of the same ui-server version). The TLS ones are for when the frontend speaks TLS.
 */
export const COMPOSE_UI_ENV: Record<string, string> = {
  TEMPORAL_ADDRESS: 'temporalGrpcAddress',
  TEMPORAL_CORS_ORIGINS: 'cors.allowOrigins',
  TEMPORAL_CODEC_ENDPOINT: 'codec.endpoint',
  TEMPORAL_CODEC_PASS_ACCESS_TOKEN: 'codec.passAccessToken',
  TEMPORAL_TLS_CA: 'tls.caFile',
  TEMPORAL_TLS_CERT: 'tls.certFile',
  TEMPORAL_TLS_KEY: 'tls.keyFile',
  TEMPORAL_TLS_SERVER_NAME: 'tls.serverName',
  TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'tls.enableHostVerification',
};

/** The ui-server env (file name) the harness writes: <configDir>/cluster.yaml. */
export const UI_CONFIG_ENV = 'cluster';

export function writeUiConfig(configDir: string, config: UiServerConfig): string {
  mkdirSync(configDir, { recursive: true });
  const file = path.join(configDir, `${UI_CONFIG_ENV}.yaml`);
  writeFileSync(file, renderUiConfig(config), { mode: 0o600 });
  return file;
}

export function uiServerArgs(configDir: string): string[] {
  return ['--root', '/', '--config', configDir, '--env', UI_CONFIG_ENV, 'start'];
}

export interface ClusterUiOptions {
  temporalAddress: string;
  namespace?: string;
  /** Where the UI and the codec server keep config and logs (<dataDir>/ui, <dataDir>/logs/ui.log). */
  dataDir: string;
  /** Decrypts what the workers encrypted: their PAYLOAD_CODEC_KEYS. */
  codecKeys: string;
  /** CODEC_SERVER_AUTH_TOKEN; default: auth off, allowed only on loopback. */
  codecAuthToken?: string;
  codecPassAccessToken?: boolean;
  /** Default 127.0.0.1 for both. */
  host?: string;
  /** 0 = any free port. Defaults: DEFAULT_UI_PORT and DEFAULT_CODEC_PORT. */
  uiPort?: number;
  codecPort?: number;
  tls?: UiTlsOptions;
  /**
   * On the mTLS + JWT cluster: the operator credential the UI acts as. The UI server then listens on a free
   * loopback port and the authenticating front (harness/cluster/ui-proxy.ts) takes uiPort, adding that
   * profile's JWT to every call. Without it the UI's API calls carry no token and the authorizer refuses them.
   */
  operator?: {
    profile: UiProfile;
    /** The profile's JWT file (secrets/temporal/<profile>.jwt). */
    tokenFile: string;
    /** Keep the UI's write buttons for operator-read too (default: hidden, disableWriteActions). */
    showWriteActions?: boolean;
  };
  logger: Logger;
  log?: (line: string) => void;
  startupTimeoutMs?: number;
}

export interface ClusterUi {
  /** Where operators open the UI: the authenticating front when `operator` was given, else the UI server. */
  url: string;
  /** The UI server itself (no token added). Equals url without `operator`. */
  serverUrl: string;
  /** The operator credential the UI acts as; undefined without `operator`. */
  profile?: UiProfile;
  codecUrl: string;
  configFile: string;
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A fixed port that is taken is named before anything starts (a dev server's UI on 8233, say). */
export async function assertPortFree(host: string, port: number, what: string): Promise<void> {
  if (port === 0) return;
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
  if (!free)
    throw new Error(
      `port ${port} (${what}) on ${host} is in use: stop whatever listens there (a dev server's UI from ` +
        '`npm start` or `npm run temporal`, another cluster) or pick another port',
    );
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '::1';

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** The codec server first (its URL goes into the UI's config), then the UI server; both stop together. */
export async function startClusterUi(opts: ClusterUiOptions): Promise<ClusterUi> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const host = opts.host ?? '127.0.0.1';
  const authToken = opts.codecAuthToken ?? AUTH_DISABLED_FOR_LOCAL_DEV;
  if (authToken === AUTH_DISABLED_FOR_LOCAL_DEV && !isLoopback(host))
    throw new Error(
      `the codec server decrypts payloads; without CODEC_SERVER_AUTH_TOKEN it may listen on loopback only, not ${host}`,
    );
  if (opts.operator && !isLoopback(host))
    throw new Error(
      `the UI front acts as ${opts.operator.profile} for whoever reaches it: loopback only, not ${host}`,
    );
  const binary = resolveUiServer(log);
  const uiPort = opts.uiPort ?? DEFAULT_UI_PORT;
  if (uiPort === 0) throw new Error('uiPort 0: pick the port first (harness/dev-server.ts freePort)');
  const origins = uiOrigins(host, uiPort);

  const codec: RunningCodecServer = await startCodecServer({
    codec: new AesGcmPayloadCodec(parseCodecKeys(opts.codecKeys)),
    authToken,
    corsOrigins: origins,
    logger: opts.logger,
    host,
    port: opts.codecPort ?? DEFAULT_CODEC_PORT,
  });
  let child: ChildProcess | undefined;
  let front: UiProxy | undefined;
  const onExit = () => child?.kill('SIGKILL');
  const operator = opts.operator;
  try {
    // Behind the front the UI server takes another loopback port; the browser's origin stays uiPort's.
    const serverPort = operator ? await freePort(host === '0.0.0.0' ? '127.0.0.1' : host) : uiPort;
    const configDir = path.join(opts.dataDir, 'ui');
    const configFile = writeUiConfig(
      configDir,
      uiConfig({
        temporalAddress: opts.temporalAddress,
        host,
        port: serverPort,
        namespace: opts.namespace,
        codecEndpoint: codec.url,
        codecPassAccessToken: opts.codecPassAccessToken,
        origins,
        tls: opts.tls,
        disableWriteActions: operator?.profile === 'operator-read' && !operator.showWriteActions,
      }),
    );
    const logFile = path.join(opts.dataDir, 'logs', 'ui.log');
    mkdirSync(path.dirname(logFile), { recursive: true });
    const fd = openSync(logFile, 'a');
    const started = spawn(binary, uiServerArgs(configDir), { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child = started;
    process.once('exit', onExit);
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    const serverUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${serverPort}`;
    const deadline = Date.now() + (opts.startupTimeoutMs ?? 30_000);
    while (!(await answers(`${serverUrl}/api/v1/settings`))) {
      if (started.exitCode !== null || started.signalCode !== null) {
        const tail = existsSync(logFile)
          ? readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n')
          : '';
        throw new Error(
          `temporal-ui-server exited during startup (${started.signalCode ?? `exit ${started.exitCode}`}); ` +
            `${path.relative(PROJECT_ROOT, logFile)}:\n${tail}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(
          `temporal-ui-server not answering at ${serverUrl} after ${opts.startupTimeoutMs ?? 30_000}ms`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    if (operator) {
      front = await startUiProxy({
        target: serverUrl,
        tokenFile: operator.tokenFile,
        profile: operator.profile,
        host,
        port: uiPort,
      });
    }
    const running = front;
    return {
      url: running?.url ?? serverUrl,
      serverUrl,
      profile: running?.profile,
      codecUrl: codec.url,
      configFile,
      logFile,
      process: started,
      stop: async () => {
        process.removeListener('exit', onExit);
        await running?.close();
        if (started.exitCode === null && started.signalCode === null) {
          started.kill('SIGTERM');
          const timer = setTimeout(() => started.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await codec.close();
      },
    };
  } catch (err) {
    process.removeListener('exit', onExit);
    await front?.close();
    child?.kill('SIGKILL');
    await codec.close();
    throw err;
  }
}
