/**
 * Encrypts every Temporal payload with AES-256-GCM before it leaves the process, so account details,
 * tokens and names are never stored in plaintext in Temporal history. The key ID travels in the payload
 * metadata, so keys can rotate: new payloads use the first key, old ones decrypt with the key they name.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/**
 * Marks payloads whose key ID is bound into the ciphertext as GCM additional data, so metadata naming another
 * key (or a payload moved under another ID) fails authentication. Payloads written before it existed (in
 * histories of payouts already running) carry no marker and still decode.
 */
export const SCHEME_METADATA = 'encryption-scheme';
export const SCHEME_KEY_ID_AAD = 'aes-256-gcm+key-id-aad';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CodecKey {
  id: string;
  key: Buffer;
}

export class CodecKeyError extends Error {
  override readonly name = 'CodecKeyError';
}

/** Parses `id:base64key,id2:base64key2`. Each key must be 32 bytes (AES-256). */
export function parseCodecKeys(spec: string): CodecKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const sep = pair.indexOf(':');
      if (sep <= 0)
        throw new CodecKeyError(`codec key "${pair.slice(0, 8)}…" is not in the form id:base64key`);
      const id = pair.slice(0, sep);
      const key = Buffer.from(pair.slice(sep + 1), 'base64');
      if (key.length !== 32)
        throw new CodecKeyError(`codec key "${id}" must be 32 bytes of base64, got ${key.length}`);
      return { id, key };
    });
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new CodecKeyError('codec key IDs must be unique');
  return keys;
}

export function generateCodecKeySpec(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly active: CodecKey;

  constructor(keys: CodecKey[]) {
    const first = keys[0];
    if (!first) throw new CodecKeyError('at least one codec key is required');
    this.active = first;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  // Work inside `then` so a failure is a rejected promise, as PayloadCodec callers expect, not a throw.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() =>
      payloads.map((payload) => {
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
        cipher.setAAD(encoder.encode(this.active.id));
        const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: {
            [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
            [KEY_ID_METADATA]: encoder.encode(this.active.id),
            [SCHEME_METADATA]: encoder.encode(SCHEME_KEY_ID_AAD),
          },
          data,
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() =>
      payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
        const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
        const keyId = keyIdBytes ? decoder.decode(keyIdBytes) : '';
        const key = this.byId.get(keyId);
        if (!key)
          throw new CodecKeyError(`payload was encrypted with key "${keyId}", which is not configured`);
        const data = Buffer.from(payload.data ?? new Uint8Array());
        if (data.length < IV_BYTES + TAG_BYTES) throw new CodecKeyError('encrypted payload is truncated');
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        const scheme = payload.metadata?.[SCHEME_METADATA];
        if (scheme && decoder.decode(scheme) === SCHEME_KEY_ID_AAD) decipher.setAAD(encoder.encode(keyId));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      }),
    );
  }
}
