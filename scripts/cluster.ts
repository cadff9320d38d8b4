/**
 * `npm run cluster`: the docker-compose.yml Temporal stack without Docker (see harness/cluster/cluster.ts):
 * PostgreSQL, the schema and namespace one-shots, and temporal-server's frontend, history, matching and worker
 * services as four processes on loopback. Data in .data/cluster/ across restarts; `--reset` wipes it first.
 * `--build-only` builds (or finds) the binaries and exits. Ctrl-C stops everything.
 */
import path from 'node:path';
import { resolveServerBinaries } from '../harness/cluster/binaries';
import { startCluster } from '../harness/cluster/cluster';
import { CLUSTER_SERVICES } from '../harness/cluster/config';
import { PROJECT_ROOT } from '../config/local-demo';

const HELP = `usage: npm run cluster [-- --reset] [--build-only] [--port N] [--namespace NS] [--bind-ip IP --broadcast-address IP] [--certs DIR] [--insecure]
  --reset         wipe .data/cluster (PostgreSQL data, config, logs) before starting
  --build-only    build or find temporal-server and temporal-sql-tool, print where, and exit
  --port N        the frontend's gRPC port (default 7233; TEMPORAL_PORT also works)
  --namespace NS  namespace to create (default: default; TEMPORAL_NAMESPACE also works)
  --bind-ip IP    where the services listen (default 127.0.0.1; 0.0.0.0 serves workers on other machines)
  --broadcast-address IP  this host's address as other nodes reach it (with --bind-ip 0.0.0.0)
  --certs DIR     the credentials folder (default secrets/temporal; created with \`npm run certs\`'s layout when missing)
  --insecure      no TLS and no authorization (debugging only)`;

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
  if (args.includes('--build-only')) {
    const started = Date.now();
    const b = resolveServerBinaries();
    process.stdout.write(`${b.server}\n${b.sqlTool}\n(${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    return;
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
    void cluster.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`[cluster] error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
