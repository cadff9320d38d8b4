/**
 * Finds `temporal-server` and `temporal-sql-tool` at the one version docker-compose.yml pins, building both from
 * the Go module proxy the first time (as scripts/temporal-cli.ts does for the CLI). Beside the binaries it keeps
 * what the server image ships besides them: the PostgreSQL schema (schema/postgresql/v12) and the config template
 * (docker/config_template.yaml), copied from the module source, so a cached build needs no module cache.
 * Order: $TEMPORAL_SERVER_DIR (a folder laid out like the cache), the project's `.tools/` (git-ignored), the
 * per-user cache (survives fresh clones, e.g. in CI), else `go install` into `.tools/` and copy to the user cache.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../config/local-demo';

/** The one place the server version is pinned; test/unit/cluster.test.ts keeps docker-compose.yml in step. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';

export const SERVER_TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal-server', TEMPORAL_SERVER_VERSION);
export const SERVER_USER_CACHE_DIR = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'),
  'bank131-payouts',
  'temporal-server',
  TEMPORAL_SERVER_VERSION,
);

export interface ServerBinaries {
  dir: string;
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12, as /etc/temporal/schema/postgresql/v12 in the admin-tools image. */
  postgresSchemaDir: string;
  /** The template the temporalio/server image renders into its config (docker/config_template.yaml). */
  configTemplate: string;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function layout(dir: string): ServerBinaries {
  return {
    dir,
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
    configTemplate: path.join(dir, 'docker', 'config_template.yaml'),
  };
}

function complete(b: ServerBinaries): boolean {
  return (
    isExecutable(b.server) &&
    isExecutable(b.sqlTool) &&
    existsSync(path.join(b.postgresSchemaDir, 'temporal', 'versioned')) &&
    existsSync(path.join(b.postgresSchemaDir, 'visibility', 'versioned')) &&
    existsSync(b.configTemplate)
  );
}

function hasGo(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

export function resolveServerBinaries(
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): ServerBinaries {
  const fromEnv = process.env.TEMPORAL_SERVER_DIR;
  if (fromEnv) {
    const b = layout(fromEnv);
    if (!complete(b))
      throw new Error(
        `TEMPORAL_SERVER_DIR=${fromEnv} must hold bin/temporal-server, bin/temporal-sql-tool, schema/postgresql/v12 and docker/config_template.yaml`,
      );
    return b;
  }
  const tools = layout(SERVER_TOOLS_DIR);
  if (complete(tools)) return tools;
  const user = layout(SERVER_USER_CACHE_DIR);
  if (complete(user)) return user;

  if (!hasGo()) {
    throw new Error(
      `No temporal-server ${TEMPORAL_SERVER_VERSION} built yet and Go is not installed to build it.\n` +
        'Fix: install Go >= 1.24 (https://go.dev/dl or `apt-get install golang`), or set TEMPORAL_SERVER_DIR to a folder ' +
        'with bin/temporal-server, bin/temporal-sql-tool, schema/postgresql/v12 and docker/config_template.yaml.',
    );
  }
  buildInto(tools, log);
  try {
    rmSync(SERVER_USER_CACHE_DIR, { recursive: true, force: true });
    mkdirSync(path.dirname(SERVER_USER_CACHE_DIR), { recursive: true });
    cpSync(SERVER_TOOLS_DIR, SERVER_USER_CACHE_DIR, { recursive: true });
  } catch (err) {
    log(
      `[cluster] could not keep a copy in ${SERVER_USER_CACHE_DIR} (${String(err)}); the next fresh clone builds again`,
    );
  }
  return tools;
}

function buildInto(target: ServerBinaries, log: (line: string) => void): void {
  const bin = path.dirname(target.server);
  mkdirSync(bin, { recursive: true });
  const env = { ...process.env, CGO_ENABLED: '0', GOBIN: bin, GOFLAGS: '-mod=mod' };
  const modules = [
    `${TEMPORAL_SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
    `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
  ];
  log(
    `[cluster] building temporal-server and temporal-sql-tool ${TEMPORAL_SERVER_VERSION} into ${bin} ` +
      '(first run only; about 3-4 minutes on 2 cores)...',
  );
  const started = Date.now();
  const result = spawnSync('go', ['install', '-trimpath', ...modules], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(
      `building temporal-server failed (go install exit ${result.status ?? result.signal}); see the output above`,
    );
  }
  renameSync(path.join(bin, 'server'), target.server);
  renameSync(path.join(bin, 'sql'), target.sqlTool);

  // The module source carries the schema and the config template the images ship.
  const download = spawnSync(
    'go',
    ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`],
    { env, encoding: 'utf8' },
  );
  const moduleDir = download.status === 0 ? (JSON.parse(download.stdout) as { Dir?: string }).Dir : undefined;
  if (!moduleDir) throw new Error(`go mod download ${TEMPORAL_SERVER_MODULE} failed: ${download.stderr}`);
  cpSync(path.join(moduleDir, 'schema', 'postgresql', 'v12'), target.postgresSchemaDir, { recursive: true });
  mkdirSync(path.dirname(target.configTemplate), { recursive: true });
  cpSync(path.join(moduleDir, 'docker', 'config_template.yaml'), target.configTemplate);
  spawnSync('chmod', ['-R', 'u+w', target.dir]); // the module cache is read-only; keep the copy removable
  writeFileSync(
    path.join(target.dir, 'BUILD-INFO'),
    `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}, built ${new Date().toISOString()} in ${Math.round((Date.now() - started) / 1000)}s\n`,
  );
  log(`[cluster] built ${target.server} in ${Math.round((Date.now() - started) / 1000)}s`);
}
