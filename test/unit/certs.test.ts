/**
 * `npm run certs` (harness/certs.ts): two CAs kept apart, per-process certificates, JWTs the server's JWKS
 * verifies, and profiles Temporal's environment configuration loads.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { afterAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_NAMES, generateTemporalCredentials } from '../../harness/certs';

const dir = mkdtempSync(path.join(tmpdir(), 'certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const creds = generateTemporalCredentials({ dir, namespace: 'payouts-ns' });

const verifies = (ca: string, cert: string, purpose: string) =>
  spawnSync('openssl', ['verify', '-purpose', purpose, '-CAfile', ca, cert], { encoding: 'utf8' }).status ===
  0;

function decode(token: string) {
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string };
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  return { header, payload, signed: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

describe('generated Temporal credentials', () => {
  it('the frontend and internode certificates chain to the server CA, for localhost, 127.0.0.1 and compose', () => {
    expect(verifies(creds.serverCa, creds.frontend.cert, 'sslserver')).toBe(true);
    expect(verifies(creds.serverCa, creds.internode.cert, 'sslserver')).toBe(true);
    expect(verifies(creds.serverCa, creds.internode.cert, 'sslclient')).toBe(true);
    const text = spawnSync(
      'openssl',
      ['x509', '-in', creds.frontend.cert, '-noout', '-ext', 'subjectAltName'],
      {
        encoding: 'utf8',
      },
    ).stdout;
    for (const san of ['DNS:localhost', 'DNS:temporal', 'IP Address:127.0.0.1']) expect(text).toContain(san);
  });

  it('client certificates chain to the client CA only: none can pass as the internode identity', () => {
    for (const name of CREDENTIAL_NAMES) {
      expect(verifies(creds.clientCa, creds.clients[name].cert, 'sslclient'), name).toBe(true);
      expect(verifies(creds.serverCa, creds.clients[name].cert, 'sslclient'), name).toBe(false);
      expect(verifies(creds.clientCa, creds.clients[name].cert, 'sslserver'), name).toBe(false);
    }
  });

  it('each JWT verifies against the published JWKS and carries its own permissions', () => {
    const jwks = JSON.parse(readFileSync(creds.jwks, 'utf8')) as { keys: ({ kid: string } & object)[] };
    expect(JSON.stringify(jwks)).not.toContain('"d"'); // public only
    const expected: Record<string, string[]> = {
      worker: ['payouts-ns:write'],
      gateway: ['payouts-ns:write'],
      backend: ['payouts-ns:write'],
      // temporal-system:read: the UI lists namespaces and reads cluster info, both cluster-scoped calls.
      'operator-read': ['payouts-ns:read', 'temporal-system:read'],
      'operator-write': ['payouts-ns:write', 'temporal-system:read'],
      admin: ['temporal-system:admin'],
    };
    for (const name of CREDENTIAL_NAMES) {
      const { header, payload, signed, signature } = decode(
        readFileSync(creds.clients[name].token, 'utf8').trim(),
      );
      const jwk = jwks.keys.find((k) => k.kid === header.kid);
      expect(jwk, name).toBeDefined();
      expect(header.alg).toBe('RS256');
      expect(
        verify(
          'sha256',
          Buffer.from(signed),
          createPublicKey({ key: jwk as never, format: 'jwk' }),
          signature,
        ),
      ).toBe(true);
      expect(payload.sub).toBe(name);
      expect(payload.permissions).toEqual(expected[name]);
      expect(payload.exp).toBeGreaterThan(Date.now() / 1000 + 80 * 86_400);
    }
  });

  it('temporal.toml gives each process its profile through @temporalio/envconfig', () => {
    const cfg = loadClientConnectConfig({
      profile: 'gateway',
      configSource: { path: creds.profiles },
      overrideEnvVars: {},
    });
    expect(cfg.namespace).toBe('payouts-ns');
    expect(cfg.connectionOptions.address).toBe('127.0.0.1:7233');
    expect(cfg.connectionOptions.apiKey).toBe(readFileSync(creds.clients.gateway.token, 'utf8').trim());
    const tls = cfg.connectionOptions.tls as {
      serverNameOverride?: string;
      clientCertPair?: { crt: Buffer };
    };
    expect(tls.serverNameOverride).toBe('temporal');
    expect(Buffer.from(tls.clientCertPair!.crt).equals(readFileSync(creds.clients.gateway.cert))).toBe(true);
  });

  it('re-running keeps the CAs and the signing key, so earlier certificates stay valid', () => {
    const ca = readFileSync(creds.serverCa, 'utf8');
    const jwks = readFileSync(creds.jwks, 'utf8');
    const again = generateTemporalCredentials({ dir, namespace: 'payouts-ns' });
    expect(readFileSync(again.serverCa, 'utf8')).toBe(ca);
    expect(readFileSync(again.jwks, 'utf8')).toBe(jwks);
  });
});
