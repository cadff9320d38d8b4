/**
 * `npm run cluster`: the docker-compose.yml Temporal stack without Docker (see harness/cluster/cluster.ts):
 * PostgreSQL, the schema and namespace one-shots, and temporal-server's frontend, history, matching and worker
 * services as four processes on loopback; then the Temporal UI pointed at the frontend and the codec server it
 * decodes payloads with (harness/cluster/ui.ts). Data in .data/cluster/ across restarts; `--reset` wipes it
 * first. `--build-only` builds (or finds) the binaries and exits. Ctrl-C stops everything.
 */
import path from 'node:path';
import { resolveServerBinaries } from '../harness/cluster/binaries';
import { DEFAULT_CLUSTER_DIR, startCluster } from '../harness/cluster/cluster';
import { CLUSTER_SERVICES } from '../harness/cluster/config';
import {
  assertPortFree,
  resolveUiServer,
  startClusterUi,
  TEMPORAL_UI_VERSION,
  type ClusterUi,
} from '../harness/cluster/ui';
import { demoCodecKeys } from '../harness/demo-codec-keys';
import { loadClusterUiConfig, PROJECT_ROOT } from '../config/local-demo';
import { createLogger } from '../observability/logger';
import { FRONTEND_SERVER_NAME } from '../harness/certs';
import { parseUiProfile } from '../harness/cluster/ui-proxy';

const HELP = `usage: npm run cluster [-- --reset] [--build-only] [--port N] [--namespace NS] [--bind-ip IP --broadcast-address IP]
                       [--certs DIR] [--insecure] [--no-ui] [--ui-port N] [--codec-port N]
                       [--ui-profile operator-read|operator-write]
  --reset         wipe .data/cluster (PostgreSQL data, config, logs) before starting
  --build-only    build or find temporal-server, temporal-sql-tool and temporal-ui-server, print where, and exit
  --port N        the frontend's gRPC port (default 7233; TEMPORAL_PORT also works)
  --namespace NS  namespace to create (default: default; TEMPORAL_NAMESPACE also works)
  --bind-ip IP    where the services listen (default 127.0.0.1; 0.0.0.0 serves workers on other machines)
  --broadcast-address IP  this host's address as other nodes reach it (with --bind-ip 0.0.0.0)
  --certs DIR     the credentials folder (default secrets/temporal; created with \`npm run certs\`'s layout when missing)
  --insecure      no TLS and no authorization (debugging only)
  --no-ui         start neither the Temporal UI nor the codec server
  --ui-port N     the Temporal UI's port (default 8233; TEMPORAL_UI_PORT also works); it listens on 127.0.0.1
  --codec-port N  the codec server's port (default 8888; CODEC_SERVER_PORT also works); on 127.0.0.1
  --ui-profile P  the operator credential the UI acts as on the mTLS cluster: operator-read (default: look,
                  no write buttons) or operator-write (terminate, signal, cancel, reset); TEMPORAL_UI_PROFILE
                  also works. A loopback front adds that profile's JWT to every UI call (harness/cluster/ui-proxy.ts)
The codec server decrypts with PAYLOAD_CODEC_KEYS (default: the demo's key in .data/demo-codec-keys, the one
\`npm start\` uses); CODEC_SERVER_AUTH_TOKEN and TEMPORAL_CODEC_PASS_ACCESS_TOKEN as in docker-compose.yml.`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const withUi = !args.includes('--no-ui');
  const uiProfile = parseUiProfile(value('--ui-profile') ?? process.env.TEMPORAL_UI_PROFILE);
  if (args.includes('--build-only')) {
    const started = Date.now();
    const b = resolveServerBinaries();
    const ui = resolveUiServer();
    process.stdout.write(
      `${b.server}\n${b.sqlTool}\n${ui}\n(${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
    );
    return;
  }
  const uiSettings = loadClusterUiConfig({
    ...process.env,
    ...(value('--ui-port') ? { TEMPORAL_UI_PORT: value('--ui-port') } : {}),
    ...(value('--codec-port') ? { CODEC_SERVER_PORT: value('--codec-port') } : {}),
  });
  if (withUi) {
    // Before the cluster starts: a missing Go or a taken port is an error now, not after a minute.
    await assertPortFree('127.0.0.1', uiSettings.uiPort, 'Temporal UI');
    await assertPortFree('127.0.0.1', uiSettings.codecPort, 'codec server');
    process.stderr.write(`[cluster] Temporal UI: temporal-ui-server ${TEMPORAL_UI_VERSION}\n`);
    resolveUiServer();
  }
  const port = Number(value('--port') ?? process.env.TEMPORAL_PORT ?? 7233);
  const cluster = await startCluster({
    reset: args.includes('--reset'),
    namespace: value('--namespace') ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
    ports: { frontendGrpc: port },
    bindIp: value('--bind-ip'),
    broadcastAddress: value('--broadcast-address'),
    certsDir: value('--certs'),
    insecure: args.includes('--insecure'),
  });
  const creds = cluster.credentials;
  let ui: ClusterUi | undefined;
  if (withUi) {
    process.stderr.write('[cluster] starting the codec server and the Temporal UI\n');
    try {
      ui = await startClusterUi({
        temporalAddress: cluster.address,
        // The UI connects with the chosen operator's certificate, and its front adds that operator's JWT.
        tls: creds
          ? {
              caFile: creds.serverCa,
              certFile: creds.clients[uiProfile].cert,
              keyFile: creds.clients[uiProfile].key,
              serverName: FRONTEND_SERVER_NAME,
            }
          : undefined,
        operator: creds ? { profile: uiProfile, tokenFile: creds.clients[uiProfile].token } : undefined,
        namespace: cluster.namespace,
        dataDir: DEFAULT_CLUSTER_DIR,
        codecKeys: demoCodecKeys(uiSettings.codecKeys),
        codecAuthToken: uiSettings.codecAuthToken,
        codecPassAccessToken: uiSettings.codecPassAccessToken,
        uiPort: uiSettings.uiPort,
        codecPort: uiSettings.codecPort,
        logger: createLogger('codec-server', 'warn'),
      });
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }
  const rel = (p: string) => path.relative(PROJECT_ROOT, p);
  process.stdout.write(
    [
      '',
      `Temporal cluster (temporal-server ${path.basename(path.dirname(path.dirname(cluster.binaries.server)))}):`,
      `  frontend  ${cluster.address}   <- TEMPORAL_ADDRESS for workers, gateways, the CLI and the UI`,
      ...CLUSTER_SERVICES.map(
        (s) => `  ${s.padEnd(9)} pid ${cluster.services[s].pid}  log ${rel(cluster.services[s].logFile)}`,
      ),
      `  postgres  ${cluster.postgres.host}:${cluster.postgres.port}  data ${rel(cluster.postgres.dataDir)}  log ${rel(cluster.postgres.logFile)}`,
      `  namespace ${cluster.namespace}`,
      ...(ui
        ? [
            `  UI        ${ui.url}   (temporal-ui-server ${TEMPORAL_UI_VERSION}, log ${rel(ui.logFile)})`,
            ui.profile
              ? `            acts as ${ui.profile}${ui.profile === 'operator-read' ? ' (read-only; --ui-profile operator-write to act)' : ' (can terminate, signal, cancel, reset payouts)'}; UI server itself ${ui.serverUrl} (no token: unauthorized)`
              : '            no token (insecure cluster)',
            `  codec     ${ui.codecUrl}   <- the UI's codec endpoint${uiSettings.codecAuthToken ? '' : ' (no token: loopback only)'}`,
          ]
        : []),
      creds
        ? `  mTLS + JWT: TEMPORAL_CONFIG_FILE=${rel(creds.profiles)} TEMPORAL_PROFILE=<worker|gateway|backend|operator-read|operator-write|admin>`
        : '  INSECURE: no TLS, no authorization',
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('[cluster] stopping...\n');
    void (ui?.stop() ?? Promise.resolve())
      .catch((err: unknown) => process.stderr.write(`[cluster] stopping the UI: ${String(err)}\n`))
      .then(() => cluster.stop())
      .then(() => process.exit(0));
  };
  // `on`, not `once`: Ctrl-C reaches this process twice (the terminal's group and tsx's relay), and a second
  // signal with no handler would end the process in the middle of stopping.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`[cluster] error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
