/**
 * A private PostgreSQL instance for the cluster: Debian's server binaries, our own data directory under
 * `.data/cluster/`, listening on loopback TCP only. Its superuser is `temporal`, as the postgres image makes
 * POSTGRES_USER in docker-compose.yml. PostgreSQL refuses to run as root: as root every command runs as the
 * `postgres` user (runuser), which owns the data directory.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

export interface PostgresOptions {
  /** Holds `data/` (the cluster), `postgres.log` and the password file. */
  dir: string;
  port: number;
  user?: string;
  password?: string;
  log?: (line: string) => void;
}

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  binDir: string;
  dataDir: string;
  logFile: string;
  start(): void;
  /** `pg_ctl stop -m fast`: open connections are cut, as in a real restart. */
  stop(): void;
  restart(): void;
  running(): boolean;
  /** The postmaster's PID (first line of `postmaster.pid`), its backends below it; undefined when stopped. */
  pid(): number | undefined;
  /** A connection URL as the superuser, over loopback TCP (the only way in). */
  url(database?: string): string;
}

const asRoot = () => process.getuid?.() === 0;

/** Newest /usr/lib/postgresql/N/bin with pg_ctl, or $PG_BIN_DIR, or pg_ctl on PATH. */
export function findPostgresBinDir(): string | undefined {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv) return existsSync(path.join(fromEnv, 'pg_ctl')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'pg_ctl')) && existsSync(path.join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

/** Finds PostgreSQL's server binaries, installing Debian's `postgresql` when root (as .ci/run does Chromium). */
export function ensurePostgresInstalled(log: (line: string) => void): string {
  const found = findPostgresBinDir();
  if (found) return found;
  if (process.env.PG_BIN_DIR)
    throw new Error(
      `PG_BIN_DIR=${process.env.PG_BIN_DIR} holds no pg_ctl: point it at PostgreSQL's bin folder`,
    );
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!asRoot() || !hasApt) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found.\n' +
        'Fix: `sudo apt-get install postgresql` (any version >= 12), or set PG_BIN_DIR to the folder holding pg_ctl.',
    );
  }
  log('[cluster] PostgreSQL not installed: apt-get install postgresql (once)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'],
  ]) {
    const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
  const installed = findPostgresBinDir();
  if (!installed)
    throw new Error('apt-get installed postgresql but no pg_ctl was found under /usr/lib/postgresql');
  return installed;
}

function pgUser(): { uid: number; gid: number } | undefined {
  if (!asRoot()) return undefined;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0)
    throw new Error(
      "running as root needs a `postgres` user to run PostgreSQL (Debian's postgresql package adds it)",
    );
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * The first folder on the way to `dir` that the postgres user may not enter, asked of the kernel itself (so
 * groups and ACLs count): a project cloned under root's own 0700 home is one.
 */
function folderClosedToPostgres(dir: string): string | undefined {
  const folders: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    folders.unshift(d);
    if (d === path.dirname(d)) break;
  }
  return folders.find((d) => spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', d]).status !== 0);
}

export function createPostgres(opts: PostgresOptions): Postgres {
  const log = opts.log ?? (() => undefined);
  const binDir = ensurePostgresInstalled(log);
  const user = opts.user ?? 'temporal';
  const password = opts.password ?? 'temporal';
  const dataDir = path.join(opts.dir, 'data');
  const logFile = path.join(opts.dir, 'postgres.log');
  const owner = pgUser();

  const run = (bin: string, args: string[], what: string, extra: SpawnSyncOptions = {}) => {
    const cmd = owner ? 'runuser' : path.join(binDir, bin);
    const cmdArgs = owner ? ['-u', 'postgres', '--', path.join(binDir, bin), ...args] : args;
    const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', cwd: opts.dir, ...extra });
    if (r.status !== 0) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(
        `${what} failed (exit ${r.status ?? r.signal}): ${String(r.stderr ?? '')}${String(r.stdout ?? '')}` +
          (tail ? `\n--- ${logFile} (tail) ---\n${tail}` : ''),
      );
    }
    return r;
  };

  const initialise = () => {
    mkdirSync(opts.dir, { recursive: true });
    if (owner) {
      chownSync(opts.dir, owner.uid, owner.gid);
      const closed = folderClosedToPostgres(opts.dir);
      if (closed)
        throw new Error(
          `PostgreSQL runs as the postgres user here (this process is root), and that user may not enter ` +
            `${closed}, on the way to ${opts.dir}. Fix: \`chmod o+x ${closed}\`, or keep the project ` +
            `somewhere every user may pass through (not under /root).`,
        );
    }
    const pwFile = path.join(opts.dir, '.pwfile');
    writeFileSync(pwFile, password + '\n', { mode: 0o600 });
    if (owner) chownSync(pwFile, owner.uid, owner.gid);
    log(`[cluster] initdb ${dataDir} (superuser ${user})`);
    try {
      run(
        'initdb',
        [
          '-D',
          dataDir,
          '-U',
          user,
          `--pwfile=${pwFile}`,
          '--auth-host=scram-sha-256',
          '--auth-local=peer',
          '-E',
          'UTF8',
          '--locale=C',
        ],
        'initdb',
      );
    } finally {
      rmSync(pwFile, { force: true });
    }
  };

  const running = () => {
    if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return false;
    const r = spawnSync(owner ? 'runuser' : path.join(binDir, 'pg_ctl'), [
      ...(owner ? ['-u', 'postgres', '--', path.join(binDir, 'pg_ctl')] : []),
      'status',
      '-D',
      dataDir,
    ]);
    return r.status === 0;
  };

  const start = () => {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) initialise();
    if (running()) {
      log(`[cluster] PostgreSQL already running on 127.0.0.1:${opts.port}`);
      return;
    }
    // TCP on loopback only; no Unix socket, so the data folder's path length does not matter.
    const serverOptions = `-c listen_addresses=127.0.0.1 -p ${opts.port} -c unix_socket_directories='' -c max_connections=200 -c fsync=on`;
    log(`[cluster] starting PostgreSQL on 127.0.0.1:${opts.port}`);
    if (owner && existsSync(logFile)) chownSync(logFile, owner.uid, owner.gid);
    run(
      'pg_ctl',
      ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions],
      'pg_ctl start',
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  };

  const stop = () => {
    if (!running()) return;
    run('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], 'pg_ctl stop');
  };

  const host = '127.0.0.1';
  return {
    host,
    port: opts.port,
    user,
    password,
    binDir,
    dataDir,
    logFile,
    start,
    stop,
    restart: () => {
      stop();
      start();
    },
    running,
    pid: () => {
      const file = path.join(dataDir, 'postmaster.pid');
      const first = existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : NaN;
      return Number.isInteger(first) && first > 0 ? first : undefined;
    },
    url: (database = 'postgres') => `postgres://${user}:${password}@${host}:${opts.port}/${database}`,
  };
}

/** True when `dir` exists and holds something (a previous cluster's data). */
export function hasData(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}
