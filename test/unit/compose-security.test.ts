/**
 * docker-compose.yml exposes only what it must (issue #11): the webhook gateway's port is the one published on
 * every interface; Temporal is not published at all and runs with mTLS and the authorizer; the UI sits behind a
 * profile and on loopback; each process that talks to Temporal holds its own credential profile.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_CERTS_MOUNT, CREDENTIAL_NAMES } from '../../harness/certs';

const root = path.resolve(__dirname, '../..');
type Service = {
  ports?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
};
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

/** A published port's host address: compose's short syntax is [host_ip:]host:container. */
const hostIp = (port: string) => (port.split(':').length === 3 ? port.split(':')[0] : '0.0.0.0');

describe('docker-compose.yml exposure', () => {
  it('publishes only the webhook gateway on every interface', () => {
    const open = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).filter((p) => hostIp(p) !== '127.0.0.1').map((p) => `${name} ${p}`),
    );
    expect(open).toEqual(['gateway 8080:8080']);
  });

  it('does not publish Temporal, PostgreSQL or the JWKS', () => {
    for (const name of ['temporal', 'postgresql', 'jwks'])
      expect(services[name]?.ports, name).toBeUndefined();
  });

  it('puts the UI behind a profile, on loopback, and the codec server on loopback', () => {
    expect(services['temporal-ui']?.profiles).toEqual(['ui']);
    for (const name of ['temporal-ui', 'codec-server'])
      for (const p of services[name]?.ports ?? []) expect(hostIp(p), `${name} ${p}`).toBe('127.0.0.1');
  });

  it('runs Temporal with client certificates required and the default authorizer', () => {
    const env = services.temporal!.environment!;
    expect(env.TEMPORAL_TLS_REQUIRE_CLIENT_AUTH).toBe('true');
    expect(env.TEMPORAL_AUTH_AUTHORIZER).toBe('default');
    expect(env.TEMPORAL_AUTH_CLAIM_MAPPER).toBe('default');
    expect(env.TEMPORAL_JWT_KEY_SOURCE1).toMatch(/^http:\/\/jwks:/);
    // the frontend trusts the client CA, the internode port the server CA: no client reaches internal-frontend
    expect(env.TEMPORAL_TLS_CLIENT1_CA_CERT).toMatch(/client-ca\.pem$/);
    expect(env.TEMPORAL_TLS_SERVER_CA_CERT).toMatch(/server-ca\.pem$/);
    expect(env.SERVICES).toContain('internal-frontend');
  });

  it('gives each Temporal client its own credential profile, from the mounted credentials', () => {
    const profiles = {
      worker: services.worker?.environment?.TEMPORAL_PROFILE,
      gateway: services.gateway?.environment?.TEMPORAL_PROFILE,
      'temporal-create-namespace': services['temporal-create-namespace']?.environment?.TEMPORAL_PROFILE,
    };
    expect(profiles).toEqual({ worker: 'worker', gateway: 'gateway', 'temporal-create-namespace': 'admin' });
    for (const [name, profile] of Object.entries(profiles)) {
      expect(CREDENTIAL_NAMES, name).toContain(profile);
      const s = services[name]!;
      expect(s.environment?.TEMPORAL_CONFIG_FILE, name).toBe(`${COMPOSE_CERTS_MOUNT}/compose.toml`);
      expect(
        s.volumes?.some((v) => v.endsWith(`:${COMPOSE_CERTS_MOUNT}:ro`)),
        name,
      ).toBe(true);
    }
    // the JWKS server gets the public keys only, never the folder with the private keys
    expect(services.jwks?.volumes).toEqual([
      expect.stringMatching(/\/jwks\.json:\/www\/\.well-known\/jwks\.json:ro$/),
    ]);
  });
});
