/**
 * A key the configuration cannot use stops the process at start with an error naming the variable: a missing
 * file, a file or value that is not a PEM key, or a private key where the bank's public key belongs (a
 * gateway that starts with a key it cannot use refuses every webhook; one given the private key holds a
 * secret it never needs).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { loadGatewayConfig } from '../../config/gateway';
import { loadSimulatorConfig } from '../../config/simulator';
import { loadBank131ClientConfig } from '../../config/worker';
import { refusalOf } from '../helpers/config-refusal';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pem-'));
const keys = generateKeyPairPem();
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const garbage = file('garbage.pem', 'not a key\n');
const privateFile = file('private.pem', keys.privateKeyPem);
const publicFile = file('public.pem', keys.publicKeyPem);
const absent = path.join(dir, 'absent.pem');

const local = {
  ALLOW_INSECURE_LOCAL_DEV: '1',
  BANK131_BASE_URL: 'http://127.0.0.1:1',
  BANK131_PROJECT_ID: 'p',
};

describe('PEM keys in the configuration', () => {
  it("the worker's signing key: read from its file, or refused naming the variable", () => {
    const worker = (env: NodeJS.ProcessEnv) => loadBank131ClientConfig({ ...local, ...env });
    expect(worker({ BANK131_PRIVATE_KEY_FILE: privateFile }).privateKeyPem).toBe(keys.privateKeyPem);
    expect(refusalOf(() => worker({ BANK131_PRIVATE_KEY_FILE: absent }))).toMatch(
      /BANK131_PRIVATE_KEY_FILE: cannot read .*absent\.pem/,
    );
    expect(refusalOf(() => worker({ BANK131_PRIVATE_KEY_FILE: garbage }))).toMatch(
      /BANK131_PRIVATE_KEY_FILE: .*garbage\.pem is not a PEM private key/,
    );
    expect(refusalOf(() => worker({ BANK131_PRIVATE_KEY: 'xyz' }))).toMatch(
      /BANK131_PRIVATE_KEY: not a PEM private key/,
    );
    expect(refusalOf(() => worker({ BANK131_PRIVATE_KEY: keys.publicKeyPem }))).toMatch(
      /BANK131_PRIVATE_KEY: not a PEM private key/,
    );
  });

  it("the gateway's bank keys: every file read and checked, a private key refused", () => {
    const gateway = (env: NodeJS.ProcessEnv) => loadGatewayConfig({ ...local, ...env });
    expect(gateway({ BANK131_PUBLIC_KEYS_FILES: publicFile }).bankPublicKeysPem).toEqual([keys.publicKeyPem]);
    expect(refusalOf(() => gateway({ BANK131_PUBLIC_KEYS_FILES: `${publicFile},${absent}` }))).toMatch(
      /BANK131_PUBLIC_KEYS_FILES: cannot read .*absent\.pem/,
    );
    expect(refusalOf(() => gateway({ BANK131_PUBLIC_KEYS_FILES: garbage }))).toMatch(
      /BANK131_PUBLIC_KEYS_FILES: .*garbage\.pem is not a PEM public key/,
    );
    expect(refusalOf(() => gateway({ BANK131_PUBLIC_KEYS_FILES: privateFile }))).toMatch(
      /BANK131_PUBLIC_KEYS_FILES: .*private\.pem holds a private key: give the public key/,
    );
    expect(refusalOf(() => gateway({ BANK131_PUBLIC_KEYS: keys.privateKeyPem }))).toMatch(
      /BANK131_PUBLIC_KEYS: holds a private key: give the public key/,
    );
  });

  it("the simulator's keys: refused naming the variable", () => {
    const simulator = (env: NodeJS.ProcessEnv) =>
      loadSimulatorConfig({ SIMULATOR_BANK_PRIVATE_KEY: keys.privateKeyPem, ...env });
    expect(simulator({ SIMULATOR_PARTNER_PUBLIC_KEY_FILE: publicFile }).partnerPublicKeyPem).toBe(
      keys.publicKeyPem,
    );
    expect(refusalOf(() => simulator({ SIMULATOR_PARTNER_PUBLIC_KEY_FILE: absent }))).toMatch(
      /SIMULATOR_PARTNER_PUBLIC_KEY_FILE: cannot read .*absent\.pem/,
    );
    expect(refusalOf(() => simulator({ SIMULATOR_PARTNER_PUBLIC_KEY: 'xyz' }))).toMatch(
      /SIMULATOR_PARTNER_PUBLIC_KEY: not a PEM public key/,
    );
  });
});
