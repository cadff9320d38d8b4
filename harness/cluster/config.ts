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

/**
 * `internal-frontend` serves Temporal's own system workers (the worker service's scanners, schedules, batch
 * operations): with the authorizer on, they hold no JWT, so they call this second frontend on the internode
 * port instead, which only the internode certificate reaches and which treats its callers as the system.
 */
export const CLUSTER_SERVICES = ['frontend', 'internal-frontend', 'history', 'matching', 'worker'] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];

export interface ClusterPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  internalFrontendGrpc: number;
  internalFrontendHttp: number;
  internalFrontendMembership: number;
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
  internalFrontendGrpc: 7236,
  internalFrontendHttp: 7246,
  internalFrontendMembership: 6936,
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
  /** mTLS and authorization (harness/certs.ts); without it the cluster is plaintext and open, as before. */
  security?: ClusterSecurity;
}

/** What the servers need from the generated credentials (harness/certs.ts). */
export interface ClusterSecurity {
  serverCa: string;
  clientCa: string;
  frontend: { cert: string; key: string };
  internode: { cert: string; key: string };
  /** Where the server fetches the JWT public keys (an http(s) URL: its key provider does nothing else). */
  jwksUrl: string;
  frontendServerName: string;
  internodeServerName: string;
}

/**
 * The image template's TLS and authorization variables (the same ones docker-compose.yml sets): client
 * certificates required on both the frontend and the internode port; the frontend trusts the client CA, the
 * internode port the server CA only; the default authorizer with the default JWT claim mapper.
 */
export function securityEnv(sec: ClusterSecurity): Record<string, string> {
  return {
    TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
    TEMPORAL_TLS_SERVER_CERT: sec.internode.cert,
    TEMPORAL_TLS_SERVER_KEY: sec.internode.key,
    TEMPORAL_TLS_SERVER_CA_CERT: sec.serverCa,
    TEMPORAL_TLS_INTERNODE_SERVER_NAME: sec.internodeServerName,
    TEMPORAL_TLS_FRONTEND_CERT: sec.frontend.cert,
    TEMPORAL_TLS_FRONTEND_KEY: sec.frontend.key,
    // The template lists both client CA slots once the first is set; an empty second entry is not a file.
    TEMPORAL_TLS_CLIENT1_CA_CERT: sec.clientCa,
    TEMPORAL_TLS_CLIENT2_CA_CERT: sec.clientCa,
    TEMPORAL_TLS_FRONTEND_SERVER_NAME: sec.frontendServerName,
    TEMPORAL_AUTH_AUTHORIZER: 'default',
    TEMPORAL_AUTH_CLAIM_MAPPER: 'default',
    TEMPORAL_JWT_KEY_SOURCE1: sec.jwksUrl,
    TEMPORAL_JWT_PERMISSIONS_CLAIM: 'permissions',
  };
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
    USE_INTERNAL_FRONTEND: 'true',
    INTERNAL_FRONTEND_GRPC_PORT: String(p.internalFrontendGrpc),
    INTERNAL_FRONTEND_HTTP_PORT: String(p.internalFrontendHttp),
    INTERNAL_FRONTEND_MEMBERSHIP_PORT: String(p.internalFrontendMembership),
    HISTORY_GRPC_PORT: String(p.historyGrpc),
    HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    MATCHING_GRPC_PORT: String(p.matchingGrpc),
    MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    WORKER_GRPC_PORT: String(p.workerGrpc),
    WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    ...(opts.security ? securityEnv(opts.security) : {}),
  };
}

/** Writes `<configDir>/docker.yaml`: the server then runs with `--root / --config <configDir> --env docker`. */
export function writeServerConfig(templateFile: string, configDir: string): string {
  mkdirSync(configDir, { recursive: true });
  const file = path.join(configDir, 'docker.yaml');
  writeFileSync(file, toServerTemplate(readFileSync(templateFile, 'utf8')));
  return file;
}

export function serverArgs(configDir: string, service: ClusterService, secure = false): string[] {
  return [
    '--root',
    '/',
    '--config',
    configDir,
    '--env',
    'docker',
    // Without an authorizer the server refuses to start unless told that is intended.
    ...(secure ? [] : ['--allow-no-auth']),
    'start',
    '--service',
    service,
  ];
}
