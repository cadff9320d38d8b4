import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateKeyPairPem,
  loadPrivateKey,
  loadPublicKey,
  signBody,
  verifyBody,
} from '../../bank131/signature';

const keys = path.resolve(__dirname, '../fixtures/php-sdk-test-keys');
const sdkPrivate = loadPrivateKey(readFileSync(path.join(keys, 'private.pem')));
const sdkPublic = loadPublicKey(readFileSync(path.join(keys, 'public.pem')));
/** The official SDK's expected signature of the 2-byte body `{}` (SignatureGeneratorTest). */
const SDK_VECTOR =
  'Q+euWta2W3WhIHq/t3Gkvqbvf5RztorP41mbIW21nKDDeaLw0FQuGCg4rwjN/scjFYk1+kBfP+8gau3hDm7uaUyke5Kz44UkbOMVTpZROqS/ozqHllgHp7aatEDKil9WXAYadl8PlbhzbjgeDL1hvbEUyEzfaIxrZASNX9kZ08ORBGZCg76iEJ/HI5/I+QUdI3sEBPTn4gy88sPhlm5vYH1dVlPuMEDWTW7w7zVnV0hUvGeVygyJAW5Q3KbKtdQWajQJH9dPzISfV1rfczHu4YnewkyEOASPg+HpiEJOxxeZRnUONzkavUJEaCznNApWIR0C0stlRItaN+EBNTKvUw==';

describe('X-PARTNER-SIGN', () => {
  it('reproduces the official SDK test vector for the body {}', () => {
    expect(signBody(Buffer.from('{}'), sdkPrivate)).toBe(SDK_VECTOR);
    expect(signBody('{}', sdkPrivate)).toBe(SDK_VECTOR);
  });

  it('verifies the official vector with the SDK public key', () => {
    expect(verifyBody(Buffer.from('{}'), SDK_VECTOR, [sdkPublic])).toBe(true);
  });

  it('rejects a modified body, another key, and malformed or missing signatures', () => {
    const other = loadPublicKey(generateKeyPairPem().publicKeyPem);
    expect(verifyBody(Buffer.from('{ }'), SDK_VECTOR, [sdkPublic])).toBe(false);
    expect(verifyBody(Buffer.from('{}'), SDK_VECTOR, [other])).toBe(false);
    expect(verifyBody(Buffer.from('{}'), undefined, [sdkPublic])).toBe(false);
    expect(verifyBody(Buffer.from('{}'), '', [sdkPublic])).toBe(false);
    expect(verifyBody(Buffer.from('{}'), 'not base64 at all!', [sdkPublic])).toBe(false);
    expect(verifyBody(Buffer.from('{}'), SDK_VECTOR.slice(0, -4), [sdkPublic])).toBe(false);
    expect(verifyBody(Buffer.from('{}'), Buffer.from('x').toString('base64'), [sdkPublic])).toBe(false);
  });

  it('accepts a signature by any of several keys (rotation)', () => {
    const next = generateKeyPairPem();
    const body = Buffer.from(JSON.stringify({ type: 'payment_finished', session: { id: 'ps_1' } }));
    const byNext = signBody(body, loadPrivateKey(next.privateKeyPem));
    const rotating = [sdkPublic, loadPublicKey(next.publicKeyPem)];
    expect(verifyBody(body, byNext, rotating)).toBe(true);
    expect(verifyBody(body, SDK_VECTOR, rotating)).toBe(false);
    expect(verifyBody(Buffer.from('{}'), SDK_VECTOR, rotating)).toBe(true);
  });

  it('signs the exact bytes: raw UTF-8 Cyrillic, not escapes', () => {
    const { privateKeyPem, publicKeyPem } = generateKeyPairPem();
    const raw = Buffer.from('{"full_name":"Иванов"}', 'utf8');
    const escaped = Buffer.from('{"full_name":"\\u0418\\u0432\\u0430\\u043d\\u043e\\u0432"}', 'utf8');
    const sig = signBody(raw, loadPrivateKey(privateKeyPem));
    expect(verifyBody(raw, sig, [loadPublicKey(publicKeyPem)])).toBe(true);
    expect(verifyBody(escaped, sig, [loadPublicKey(publicKeyPem)])).toBe(false);
  });
});
