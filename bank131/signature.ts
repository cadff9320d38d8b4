import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';

/**
 * Bank 131 signs, and wants signed, the raw HTTP body only: RSA-SHA256, PKCS#1 v1.5, standard Base64,
 * in `X-PARTNER-SIGN`. No URL, method or timestamp is covered, so sign exactly the bytes you send.
 */
export const SIGNATURE_HEADER = 'x-partner-sign';
export const PROJECT_HEADER = 'x-partner-project';
export const IDEMPOTENCY_HEADER = 'x-partner-idempotency-key';

export type KeyInput = string | Buffer | KeyObject;

export function loadPrivateKey(pem: KeyInput): KeyObject {
  return pem instanceof KeyObject ? pem : createPrivateKey(pem);
}

export function loadPublicKey(pem: KeyInput): KeyObject {
  return pem instanceof KeyObject ? pem : createPublicKey(pem);
}

export function signBody(body: Buffer | string, privateKey: KeyObject): string {
  return sign('sha256', typeof body === 'string' ? Buffer.from(body) : body, privateKey).toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True when `signature` is a valid signature of `body` by any of `publicKeys` (several during key rotation). */
export function verifyBody(
  body: Buffer,
  signature: string | undefined,
  publicKeys: readonly KeyObject[],
): boolean {
  if (!signature) return false;
  const trimmed = signature.trim();
  if (!BASE64.test(trimmed) || trimmed.length % 4 !== 0) return false;
  const raw = Buffer.from(trimmed, 'base64');
  return publicKeys.some((key) => {
    try {
      return verify('sha256', body, key, raw);
    } catch {
      return false;
    }
  });
}

/** A fresh RSA-2048 key pair as PEM strings: for tests and the local demo, never for real traffic. */
export function generateKeyPairPem(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
