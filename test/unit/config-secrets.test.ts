/**
 * Outside a local demo, no process starts with secrets that protect nothing: `.env.example` placeholders,
 * published example values, no payload keys, or a plain-HTTP bank URL. The error names each variable.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { generateCodecKeySpec } from '../../codec/aes-gcm-codec';
import { loadCodecServerConfig, loadGatewayConfig, loadRegistryConfig, loadWorkerConfig } from '../../config';
import { loadBackendCallbackConfig } from '../../config/callbacks';
import { refusalOf } from '../helpers/config-refusal';

/** `.env.example` as a process would see it, with the key files it names given inline. */
function exampleEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const line of readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2];
  }
  const keys = generateKeyPairPem();
  return { ...env, BANK131_PRIVATE_KEY: keys.privateKeyPem, BANK131_PUBLIC_KEYS: keys.publicKeyPem };
}

/** `.env.example` with every secret real, the bank over https and Temporal over TLS: what production sets. */
function realEnv(): NodeJS.ProcessEnv {
  return {
    ...exampleEnv(),
    PAYLOAD_CODEC_KEYS: generateCodecKeySpec(),
    CODEC_SERVER_AUTH_TOKEN: 'a'.repeat(12) + 'b'.repeat(20),
    BANK131_BASE_URL: 'https://proxy.bank131.ru',
    TEMPORAL_TLS: 'true',
    PAYOUT_REGISTRY_DATABASE_URL: 'postgres://payouts:s3cret@db:5432/payouts',
  };
}

describe('production secrets', () => {
  it('refuses to start any process with the .env.example values, naming each variable', () => {
    const env = exampleEnv();
    const worker = refusalOf(() => loadWorkerConfig(env));
    expect(worker).toMatch(/PAYLOAD_CODEC_KEYS/);
    expect(worker).toMatch(/BANK131_BASE_URL: must be an https URL \(got http:\/\/simulator:8131\)/);
    expect(refusalOf(() => loadGatewayConfig(env))).toMatch(/PAYLOAD_CODEC_KEYS/);
    // and Temporal in plaintext (no profile, no TLS): the control plane would be open to them
    expect(worker).toMatch(/TEMPORAL_TLS \/ TEMPORAL_PROFILE: Temporal would be reached in plaintext/);
    expect(refusalOf(() => loadGatewayConfig(env))).toMatch(/TEMPORAL_TLS \/ TEMPORAL_PROFILE/);
    const codec = refusalOf(() => loadCodecServerConfig(env));
    expect(codec).toMatch(/PAYLOAD_CODEC_KEYS/);
    expect(codec).toMatch(/CODEC_SERVER_AUTH_TOKEN/);
  });

  it('refuses empty payload keys and the formerly published example key', () => {
    const env = { ...exampleEnv(), BANK131_BASE_URL: 'https://demo.bank131.ru' };
    expect(refusalOf(() => loadGatewayConfig({ ...env, PAYLOAD_CODEC_KEYS: '' }))).toMatch(
      /PAYLOAD_CODEC_KEYS: must be set/,
    );
    expect(
      refusalOf(() =>
        loadWorkerConfig({ ...env, PAYLOAD_CODEC_KEYS: 'k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' }),
      ),
    ).toMatch(/published example value/);
    expect(
      refusalOf(() =>
        loadCodecServerConfig({
          ...env,
          PAYLOAD_CODEC_KEYS: generateCodecKeySpec(),
          CODEC_SERVER_AUTH_TOKEN: 'disabled-for-local-dev',
        }),
      ),
    ).toMatch(/CODEC_SERVER_AUTH_TOKEN/);
  });

  it('starts with real secrets and an https bank, or with the local-demo flag', () => {
    const env = exampleEnv();
    const real = realEnv();
    expect(loadWorkerConfig(real).bank131.baseUrl).toBe('https://proxy.bank131.ru');
    expect(loadWorkerConfig(real).registry.databaseUrl).toBe(real.PAYOUT_REGISTRY_DATABASE_URL);
    expect(loadGatewayConfig(real).temporal.codecKeys).toBe(real.PAYLOAD_CODEC_KEYS);
    expect(loadCodecServerConfig(real).authToken).toBe(real.CODEC_SERVER_AUTH_TOKEN);
    expect(
      loadWorkerConfig({ ...env, ALLOW_INSECURE_LOCAL_DEV: '1', PAYLOAD_CODEC_KEYS: '' }).bank131.baseUrl,
    ).toBe('http://simulator:8131');
  });

  it('the worker refuses to start without the payout registry, unless in local dev', () => {
    const env = {
      ...exampleEnv(),
      PAYLOAD_CODEC_KEYS: generateCodecKeySpec(),
      BANK131_BASE_URL: 'https://proxy.bank131.ru',
    };
    expect(refusalOf(() => loadWorkerConfig(env))).toMatch(/PAYOUT_REGISTRY_DATABASE_URL: must be set/);
    expect(refusalOf(() => loadWorkerConfig({ ...env, PAYOUT_REGISTRY_DATABASE_URL: 'mysql://x' }))).toMatch(
      /PAYOUT_REGISTRY_DATABASE_URL: must be a postgres:\/\/ URL/,
    );
    expect(loadWorkerConfig({ ...env, ALLOW_INSECURE_LOCAL_DEV: '1' }).registry.databaseUrl).toBeUndefined();
  });

  it('every process that holds the payload keys takes them from PAYLOAD_CODEC_KEYS_FILE as well', () => {
    const keys = generateCodecKeySpec();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'codec-keys-')), 'keys');
    writeFileSync(file, `${keys}\n`); // a mounted secret often ends with a newline
    const env = { ...realEnv(), PAYLOAD_CODEC_KEYS: '', PAYLOAD_CODEC_KEYS_FILE: file };
    expect(loadWorkerConfig(env).temporal.codecKeys).toBe(keys);
    expect(loadGatewayConfig(env).temporal.codecKeys).toBe(keys);
    expect(loadCodecServerConfig(env).codecKeys).toBe(keys);
    // A file that cannot be read is named, for each of them.
    const missing = { ...env, PAYLOAD_CODEC_KEYS_FILE: path.join(path.dirname(file), 'absent') };
    for (const load of [loadWorkerConfig, loadGatewayConfig, loadCodecServerConfig])
      expect(refusalOf(() => load(missing))).toMatch(/PAYLOAD_CODEC_KEYS_FILE: cannot read .*absent/);
    // Neither set: the codec server has nothing to decode with, even in a local demo.
    expect(
      refusalOf(() =>
        loadCodecServerConfig({ ...env, PAYLOAD_CODEC_KEYS_FILE: undefined, ALLOW_INSECURE_LOCAL_DEV: '1' }),
      ),
    ).toMatch(/PAYLOAD_CODEC_KEYS: the codec server needs the payload keys/);
  });

  it('every secret given as a string can be a file instead (`NAME_FILE`), as the README says', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const secrets: { name: string; value: string; read: (env: NodeJS.ProcessEnv) => unknown }[] = [
      {
        name: 'CODEC_SERVER_AUTH_TOKEN',
        value: 'c'.repeat(20) + 'd'.repeat(12),
        read: (env) => loadCodecServerConfig(env).authToken,
      },
      {
        name: 'PAYOUT_REGISTRY_DATABASE_URL',
        value: 'postgres://payouts:fr0m-a-file@db:5432/payouts',
        read: (env) => loadRegistryConfig(env).databaseUrl,
      },
      {
        name: 'BACKEND_CALLBACK_SECRET',
        value: 'e'.repeat(40),
        read: (env) =>
          loadBackendCallbackConfig({ ...env, BACKEND_CALLBACK_URL: 'https://backend.example/cb' })?.secret,
      },
      {
        name: 'PAYLOAD_CODEC_KEYS',
        value: generateCodecKeySpec(),
        read: (env) => loadCodecServerConfig(env).codecKeys,
      },
    ];
    for (const { name, value, read } of secrets) {
      const file = path.join(dir, name);
      writeFileSync(file, `${value}\n`);
      const env = { ...realEnv(), [name]: undefined, [`${name}_FILE`]: file };
      expect(read(env), name).toBe(value);
      // the value itself wins over a file
      expect(read({ ...env, [name]: value }), name).toBe(value);
      const unreadable = { ...env, [`${name}_FILE`]: path.join(dir, 'absent') };
      expect(
        refusalOf(() => read(unreadable)),
        name,
      ).toMatch(new RegExp(`${name}_FILE: cannot read`));
    }
    // Neither the variable nor its file: named.
    expect(
      refusalOf(() => loadCodecServerConfig({ ...realEnv(), CODEC_SERVER_AUTH_TOKEN: undefined })),
    ).toMatch(/CODEC_SERVER_AUTH_TOKEN: must be set \(or CODEC_SERVER_AUTH_TOKEN_FILE\)/);
    // A file's value is checked like the variable's.
    writeFileSync(path.join(dir, 'bad-url'), 'mysql://x');
    expect(
      refusalOf(() => loadRegistryConfig({ PAYOUT_REGISTRY_DATABASE_URL_FILE: path.join(dir, 'bad-url') })),
    ).toMatch(/PAYOUT_REGISTRY_DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});
