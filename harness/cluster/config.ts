/**
 * The server's configuration, made the way the temporalio/server image makes it: its own template
 * (docker/config_template.yaml from the same module version) filled from the environment that
 * docker-compose.yml gives the `temporal` service. The image renders the template with dockerize; the server
 * binary renders a config file itself when it carries an `enable-template` comment, with sprig's functions. The
 * two dialects differ only in `default`'s argument order and `.Env.X` versus `env "X"`, so the template is
 * rewritten mechanically and the server renders it, in every one of its processes, from the same variables.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CLUSTER_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];

export interface ClusterPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  historyGrpc: number;
  historyMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  workerGrpc: number;
  workerMembership: number;
  postgres: number;
}

/** The template's own defaults (and the ports a compose `temporal` container uses), PostgreSQL moved off 5432. */
export const DEFAULT_CLUSTER_PORTS: ClusterPorts = {
  frontendGrpc: 7233,
  frontendHttp: 7243,
  frontendMembership: 6933,
  historyGrpc: 7234,
  historyMembership: 6934,
  matchingGrpc: 7235,
  matchingMembership: 6935,
  workerGrpc: 7239,
  workerMembership: 6939,
  postgres: 55432,
};

/** dockerize's template dialect to the server's own (Go text/template + sprig). */
export function toServerTemplate(dockerizeTemplate: string): string {
  const rewritten = dockerizeTemplate
    // dockerize: default VALUE FALLBACK; sprig: default FALLBACK VALUE
    .replace(/default\s+\.Env\.([A-Za-z0-9_]+)\s+("[^"]*"|\$[A-Za-z0-9_]+)/g, 'default $2 (env "$1")')
    .replace(/\.Env\.([A-Za-z0-9_]+)/g, '(env "$1")');
  if (/\.Env\b/.test(rewritten)) throw new Error('config template: an .Env reference was left unconverted');
  return `# enable-template (rewritten from the temporalio/server image's config_template.yaml; do not edit)\n${rewritten}`;
}

export interface ServerEnvOptions {
  ports: ClusterPorts;
  postgres: { host: string; port: number; user: string; password: string };
  dynamicConfigFile: string;
  bindIp?: string;
  /** The address other nodes reach this one at; needed when bindIp is 0.0.0.0 and services span hosts. */
  broadcastAddress?: string;
  logLevel?: string;
}

/**
 * The variables docker-compose.yml sets on its `temporal` service (DB, DB_PORT, POSTGRES_*, BIND_ON_IP,
 * DYNAMIC_CONFIG_FILE_PATH), plus the per-service ports the image's template reads: four processes on one
 * host need distinct ones.
 */
export function serverEnv(opts: ServerEnvOptions): Record<string, string> {
  const p = opts.ports;
  return {
    DB: 'postgres12',
    DB_PORT: String(opts.postgres.port),
    POSTGRES_USER: opts.postgres.user,
    POSTGRES_PWD: opts.postgres.password,
    POSTGRES_SEEDS: opts.postgres.host,
    BIND_ON_IP: opts.bindIp ?? '127.0.0.1',
    ...(opts.broadcastAddress ? { TEMPORAL_BROADCAST_ADDRESS: opts.broadcastAddress } : {}),
    DYNAMIC_CONFIG_FILE_PATH: opts.dynamicConfigFile,
    LOG_LEVEL: opts.logLevel ?? 'warn',
    FRONTEND_GRPC_PORT: String(p.frontendGrpc),
    FRONTEND_HTTP_PORT: String(p.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    HISTORY_GRPC_PORT: String(p.historyGrpc),
    HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    MATCHING_GRPC_PORT: String(p.matchingGrpc),
    MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    WORKER_GRPC_PORT: String(p.workerGrpc),
    WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
  };
}

/** Writes `<configDir>/docker.yaml`: the server then runs with `--root / --config <configDir> --env docker`. */
export function writeServerConfig(templateFile: string, configDir: string): string {
  mkdirSync(configDir, { recursive: true });
  const file = path.join(configDir, 'docker.yaml');
  writeFileSync(file, toServerTemplate(readFileSync(templateFile, 'utf8')));
  return file;
}

export function serverArgs(configDir: string, service: ClusterService): string[] {
  return [
    '--root',
    '/',
    '--config',
    configDir,
    '--env',
    'docker',
    '--allow-no-auth',
    'start',
    '--service',
    service,
  ];
}
