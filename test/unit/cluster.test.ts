/**
 * `npm run cluster` must run what docker-compose.yml runs: the same server version, the same environment on the
 * `temporal` service, the same dynamic config file and the same one-shot scripts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TEMPORAL_SERVER_VERSION } from '../../harness/cluster/binaries';
import { DEPLOY_DIR, DYNAMIC_CONFIG_FILE } from '../../harness/cluster/cluster';
import {
  CLUSTER_SERVICES,
  DEFAULT_CLUSTER_PORTS,
  serverEnv,
  toServerTemplate,
} from '../../harness/cluster/config';
import { FRONTEND_SERVER_NAME, INTERNODE_SERVER_NAME } from '../../harness/certs';

const root = path.resolve(__dirname, '../..');
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<
    string,
    { image?: string; environment?: Record<string, unknown>; volumes?: string[]; entrypoint?: string[] }
  >;
};

/** `${VAR:-default}` -> default */
const pinned = (image: string | undefined) => /:\$\{[A-Z_]+:-([^}]+)\}$/.exec(image ?? '')?.[1];

describe('cluster and docker-compose.yml', () => {
  it('builds the temporal-server version the compose file pins (server and admin tools)', () => {
    const version = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(pinned(compose.services.temporal?.image)).toBe(version);
    expect(pinned(compose.services['temporal-admin-tools']?.image)).toBe(version);
    expect(pinned(compose.services['temporal-create-namespace']?.image)).toBe(version);
  });

  it('gives temporal-server every variable compose sets on the temporal service', () => {
    const creds = '/certs';
    const env = serverEnv({
      ports: DEFAULT_CLUSTER_PORTS,
      postgres: { host: '127.0.0.1', port: 55432, user: 'temporal', password: 'pw' },
      dynamicConfigFile: DYNAMIC_CONFIG_FILE,
      security: {
        serverCa: `${creds}/server-ca.pem`,
        clientCa: `${creds}/client-ca.pem`,
        frontend: { cert: `${creds}/frontend.pem`, key: `${creds}/frontend.key` },
        internode: { cert: `${creds}/internode.pem`, key: `${creds}/internode.key` },
        jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json',
        frontendServerName: FRONTEND_SERVER_NAME,
        internodeServerName: INTERNODE_SERVER_NAME,
      },
    });
    const composeEnv = compose.services.temporal?.environment ?? {};
    // The container runs every service in one process (SERVICES); the cluster runs one process per service.
    expect(String(composeEnv.SERVICES).split(':').sort()).toEqual([...CLUSTER_SERVICES].sort());
    for (const name of Object.keys(composeEnv).filter((n) => n !== 'SERVICES'))
      expect(env, name).toHaveProperty(name);
    // The same TLS and authorization settings: the same files (mounted elsewhere), names and authorizer.
    for (const [name, value] of Object.entries(composeEnv).filter(([n]) =>
      /^TEMPORAL_(TLS|AUTH|JWT)_/.test(n),
    )) {
      const ours = env[name]!;
      if (String(value).startsWith('/run/temporal-creds/'))
        expect(path.basename(ours), name).toBe(path.basename(String(value)));
      else if (name === 'TEMPORAL_JWT_KEY_SOURCE1')
        expect(new URL(ours).pathname).toBe(new URL(String(value)).pathname);
      else expect(ours, name).toBe(String(value));
    }
    expect(env.DB).toBe(composeEnv.DB);
    expect(env.POSTGRES_USER).toBe(composeEnv.POSTGRES_USER);
    expect(env.BIND_ON_IP).toBe('127.0.0.1'); // loopback unless asked
    expect(env).not.toHaveProperty('TEMPORAL_BROADCAST_ADDRESS');
    const shared = serverEnv({
      ports: DEFAULT_CLUSTER_PORTS,
      postgres: { host: '127.0.0.1', port: 55432, user: 'temporal', password: 'pw' },
      dynamicConfigFile: DYNAMIC_CONFIG_FILE,
      bindIp: '0.0.0.0',
      broadcastAddress: '192.0.2.10',
    });
    expect(shared).toMatchObject({ BIND_ON_IP: '0.0.0.0', TEMPORAL_BROADCAST_ADDRESS: '192.0.2.10' });
  });

  it('uses the dynamic config file compose mounts', () => {
    const temporal = compose.services.temporal!;
    const mount = temporal.volumes?.find((v) => v.includes('dynamicconfig'));
    const [hostDir, containerDir] = mount!.split(':');
    const inContainer = String(temporal.environment?.DYNAMIC_CONFIG_FILE_PATH);
    const file = path.basename(inContainer);
    expect(`/etc/temporal/${path.dirname(inContainer)}`).toBe(containerDir);
    expect(path.resolve(root, hostDir!, file)).toBe(DYNAMIC_CONFIG_FILE);
  });

  it('the production dynamic config sets nothing the server documents as testing-only', () => {
    // Each is described in the server's common/dynamicconfig/constants.go as "used to facilitate testing …
    // should not be turned on in production"; forceSearchAttributesCacheRefreshOnRead alone cost the dev server
    // ~12 % of its CPU per payout (docs/performance.md).
    const testingOnly = ['system.forceSearchAttributesCacheRefreshOnRead'];
    const config = parse(readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')) as Record<string, unknown> | null;
    expect(Object.keys(config ?? {}).filter((key) => testingOnly.includes(key))).toEqual([]);
  });

  it('the namespace script waits until new search attributes are usable, since no cache is bypassed', () => {
    const script = readFileSync(path.join(DEPLOY_DIR, 'create-namespace.sh'), 'utf8');
    expect(script).toMatch(/workflow count -n "\$NAMESPACE" --query "\$query"/);
    expect(script).toMatch(/sleep "\$\{NAMESPACE_CACHE_REFRESH_SECONDS:-3\}"/);
  });

  it('runs the one-shot scripts the compose services run', () => {
    for (const [service, script] of [
      ['temporal-admin-tools', 'setup-postgres.sh'],
      ['temporal-create-namespace', 'create-namespace.sh'],
    ] as const) {
      const s = compose.services[service]!;
      expect(s.entrypoint).toEqual(['/bin/bash', `/scripts/${script}`]);
      expect(s.volumes).toContain(`./deploy/temporal/${script}:/scripts/${script}:ro`);
      expect(path.join(DEPLOY_DIR, script)).toBe(path.join(root, 'deploy/temporal', script));
    }
  });

  it('the namespace script never hides a failed search-attribute create', () => {
    const script = readFileSync(path.join(DEPLOY_DIR, 'create-namespace.sh'), 'utf8');
    expect(script).not.toMatch(/search-attribute create[^\n]*2>\/dev\/null/);
    expect(script).toMatch(/search-attribute list/);
  });
});

describe('config template dialect', () => {
  it("swaps dockerize's default argument order for sprig's and reads the environment with env", () => {
    const out = toServerTemplate(
      [
        'a: {{ default .Env.LOG_LEVEL "info" }}',
        '{{- $db := default .Env.DB "cassandra" | lower -}}',
        '{{ $v := default .Env.VISIBILITY_SEEDS $seeds }}',
        '{{- if .Env.STATSD_ENDPOINT }}x: {{ .Env.STATSD_ENDPOINT }}{{ end }}',
      ].join('\n'),
    );
    expect(out.split('\n')[0]).toMatch(/^# enable-template/);
    expect(out).toContain('default "info" (env "LOG_LEVEL")');
    expect(out).toContain('default "cassandra" (env "DB") | lower');
    expect(out).toContain('default $seeds (env "VISIBILITY_SEEDS")');
    expect(out).toContain('if (env "STATSD_ENDPOINT") }}x: {{ (env "STATSD_ENDPOINT") }}');
    expect(out).not.toContain('.Env');
  });
});
