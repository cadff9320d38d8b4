/**
 * config/temporal.ts reads Temporal's own environment configuration (@temporalio/envconfig): the dev-server
 * default needs nothing, a TOML profile carries mTLS files, server name and token, variables override it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadTemporalConfig } from '../../config';
import { generateTemporalCredentials } from '../../harness/certs';
import { connectionOptions } from '../../temporal/client';

const dir = mkdtempSync(path.join(tmpdir(), 'temporal-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const creds = generateTemporalCredentials({ dir, namespace: 'payouts', address: 'temporal.internal:7233' });
// No file at the default path (~/.config/temporalio/temporal.toml) may leak into these tests.
const base = { HOME: dir, PAYLOAD_CODEC_KEYS: 'k:x' };

describe('Temporal connection settings from environment configuration', () => {
  it('with nothing set: the local dev server, plaintext, namespace default', () => {
    const cfg = loadTemporalConfig(base);
    expect(cfg).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'payouts' });
    expect(cfg.tls).toBeUndefined();
    expect(cfg.apiKey).toBeUndefined();
    expect(connectionOptions(cfg).tls).toBeUndefined();
  });

  it('plain variables: address, namespace, TLS on, API key', () => {
    const cfg = loadTemporalConfig({
      ...base,
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'key-1',
    });
    expect(cfg).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', apiKey: 'key-1' });
    expect(cfg.tls).toBe(true); // an API key turns TLS on
  });

  it('mTLS files from TEMPORAL_TLS_* variables', () => {
    const cfg = loadTemporalConfig({
      ...base,
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: creds.clients.worker.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: creds.clients.worker.key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: creds.serverCa,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    });
    const tls = connectionOptions(cfg).tls as {
      serverNameOverride?: string;
      serverRootCACertificate?: Uint8Array;
      clientCertPair?: { crt: Uint8Array; key: Uint8Array };
    };
    expect(tls.serverNameOverride).toBe('temporal');
    expect(Buffer.from(tls.serverRootCACertificate!).equals(readFileSync(creds.serverCa))).toBe(true);
    expect(Buffer.from(tls.clientCertPair!.key).equals(readFileSync(creds.clients.worker.key))).toBe(true);
  });

  it('a profile from the TOML file, with variables overriding it', () => {
    const env = { ...base, TEMPORAL_CONFIG_FILE: creds.profiles, TEMPORAL_PROFILE: 'gateway' };
    const cfg = loadTemporalConfig(env);
    expect(cfg).toMatchObject({
      address: 'temporal.internal:7233',
      namespace: 'payouts',
      apiKey: readFileSync(creds.clients.gateway.token, 'utf8').trim(),
    });
    const tls = cfg.tls as { clientCertPair?: { crt: Uint8Array } };
    expect(Buffer.from(tls.clientCertPair!.crt).equals(readFileSync(creds.clients.gateway.cert))).toBe(true);
    expect(loadTemporalConfig({ ...env, TEMPORAL_ADDRESS: '10.0.0.5:7233' }).address).toBe('10.0.0.5:7233');
  });

  it('a missing profile or an unreadable file stops the process naming the setting', () => {
    expect(() =>
      loadTemporalConfig({ ...base, TEMPORAL_CONFIG_FILE: creds.profiles, TEMPORAL_PROFILE: 'nobody' }),
    ).toThrow(ConfigError);
    expect(() =>
      loadTemporalConfig({ ...base, TEMPORAL_CONFIG_FILE: creds.profiles, TEMPORAL_PROFILE: 'nobody' }),
    ).toThrow(/TEMPORAL_PROFILE=nobody/);
    const bad = path.join(dir, 'bad.toml');
    writeFileSync(bad, '[profile.default]\naddres = "typo:7233"\n');
    expect(() => loadTemporalConfig({ ...base, TEMPORAL_CONFIG_FILE: bad })).toThrow(/TEMPORAL_CONFIG_FILE=/);
    expect(() =>
      loadTemporalConfig({
        ...base,
        TEMPORAL_ADDRESS: '127.0.0.1:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem'),
        TEMPORAL_TLS_CLIENT_KEY_PATH: creds.clients.worker.key,
      }),
    ).toThrow(ConfigError);
  });
});
