import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AesGcmPayloadCodec,
  CodecKeyError,
  ENCRYPTED_ENCODING,
  generateCodecKeySpec,
  parseCodecKeys,
} from '../../codec/aes-gcm-codec';
import { AUTH_DISABLED_FOR_LOCAL_DEV, startCodecServer } from '../../codec/server';
import { createLogger } from '../../observability/logger';

const secret = { account: '40817810099910004312', fullName: 'Иванов Иван' };
const payload = () => defaultPayloadConverter.toPayload(secret);

describe('AesGcmPayloadCodec', () => {
  it('encrypts so that nothing of the plaintext is visible, and decrypts back', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(generateCodecKeySpec('k1')));
    const [encoded] = await codec.encode([payload()]);
    const bytes = Buffer.from(encoded!.data!);
    expect(bytes.toString('latin1')).not.toContain('40817810099910004312');
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
  });

  it('decrypts with an older key after rotation, and names a key it does not have', async () => {
    const oldSpec = generateCodecKeySpec('old');
    const [old] = await new AesGcmPayloadCodec(parseCodecKeys(oldSpec)).encode([payload()]);
    const rotated = new AesGcmPayloadCodec(parseCodecKeys(`${generateCodecKeySpec('new')},${oldSpec}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(secret);
    const [fresh] = await rotated.encode([payload()]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('new');
    const without = new AesGcmPayloadCodec(parseCodecKeys(generateCodecKeySpec('other')));
    await expect(without.decode([old!])).rejects.toThrow(/key "old", which is not configured/);
  });

  it('refuses tampered ciphertext', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(generateCodecKeySpec()));
    const [encoded] = await codec.encode([payload()]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow();
  });

  it('binds the key ID into the ciphertext: a payload relabelled with another configured key ID fails', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    // The same key under two IDs: without the key ID as additional data, relabelling would go unnoticed.
    const codec = new AesGcmPayloadCodec(parseCodecKeys(`a:${key},b:${key}`));
    const [encoded] = await codec.encode([payload()]);
    expect(Buffer.from(encoded!.metadata!['encryption-scheme']!).toString()).toBe('aes-256-gcm+key-id-aad');
    const relabelled = {
      ...encoded!,
      metadata: { ...encoded!.metadata, 'encryption-key-id': Buffer.from('b') },
    };
    await expect(codec.decode([relabelled])).rejects.toThrow();
    expect(defaultPayloadConverter.fromPayload((await codec.decode([encoded!]))[0]!)).toEqual(secret);
  });

  it('still decodes payloads written before the key ID was bound (histories of running payouts)', async () => {
    const spec = generateCodecKeySpec('k1');
    const codec = new AesGcmPayloadCodec(parseCodecKeys(spec));
    const [encoded] = await codec.encode([payload()]);
    // What the earlier codec wrote: no scheme marker, no additional data.
    const { createCipheriv, randomBytes } = await import('node:crypto');
    const { temporal } = await import('@temporalio/proto');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', parseCodecKeys(spec)[0]!.key, iv);
    const plain = temporal.api.common.v1.Payload.encode(payload()).finish();
    const legacy = {
      metadata: { encoding: encoded!.metadata!.encoding!, 'encryption-key-id': Buffer.from('k1') },
      data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
    };
    expect(defaultPayloadConverter.fromPayload((await codec.decode([legacy]))[0]!)).toEqual(secret);
  });

  it('leaves unencrypted payloads alone', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(generateCodecKeySpec()));
    const plain = payload();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it.each([
    ['no separator', 'abc', /id:base64key/],
    ['short key', 'k:AAAA', /must be 32 bytes/],
    ['duplicate ids', `${generateCodecKeySpec('a')},${generateCodecKeySpec('a')}`, /unique/],
  ])('rejects key specs with %s', (_n, spec, message) => {
    expect(() => parseCodecKeys(spec)).toThrow(CodecKeyError);
    expect(() => parseCodecKeys(spec)).toThrow(message);
  });
});

describe('codec server', () => {
  const codec = new AesGcmPayloadCodec(parseCodecKeys(generateCodecKeySpec()));
  const token = 'a-very-long-test-token-123';
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ url, close } = await startCodecServer({
      codec,
      authToken: token,
      corsOrigins: ['http://localhost:8233'],
      logger: createLogger('codec-test', 'silent'),
      host: '127.0.0.1',
      port: 0,
    }));
  });
  afterAll(() => close());

  const toJson = (p: ReturnType<typeof payload>) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data!).toString('base64'),
  });
  const post = (path: string, body: unknown, auth = `Bearer ${token}`) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify(body),
    });

  it('encodes and decodes over HTTP in the Temporal remote-codec format', async () => {
    const encoded = (await (await post('/encode', { payloads: [toJson(payload())] })).json()) as {
      payloads: { data: string }[];
    };
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString('latin1')).not.toContain(
      '40817810099910004312',
    );
    const decoded = (await (await post('/decode', encoded)).json()) as { payloads: { data: string }[] };
    expect(JSON.parse(Buffer.from(decoded.payloads[0]!.data, 'base64').toString())).toEqual(secret);
  });

  it('requires the bearer token', async () => {
    expect((await post('/decode', { payloads: [] }, '')).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, 'Bearer wrong-token-of-same-len-xx')).status).toBe(401);
  });

  it('answers the UI preflight with CORS headers for its origin only', async () => {
    const ok = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:8233',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(ok.headers.get('access-control-allow-headers')).toBe('Content-Type,Authorization,X-Namespace');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    // A refused request still carries CORS headers, so the UI can read the 401 instead of a network error.
    const refused = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { origin: 'http://localhost:8233', 'content-type': 'application/json' },
      body: '{"payloads":[]}',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const other = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('explains a bad body', async () => {
    const res = await post('/decode', { nope: true });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/payloads/) as unknown });
  });

  it('answers malformed JSON and non-base64 bytes with 400 and a reason', async () => {
    const malformed = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"payloads": [',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/parse/);
    const notBase64 = await post('/decode', { payloads: [{ metadata: { encoding: 'json plain!' } }] });
    expect(notBase64.status).toBe(400);
    expect(((await notBase64.json()) as { error: string }).error).toMatch(/base64.*metadata\.encoding/);
  });

  it('routes on the last path segment, as `temporal --codec-endpoint http://host/{namespace}` calls it', async () => {
    const encoded = (await (await post('/default/encode', { payloads: [toJson(payload())] })).json()) as {
      payloads: unknown[];
    };
    const res = await post('/default/decode', encoded);
    expect(res.status).toBe(200);
    expect((await post('/default/other', encoded)).status).toBe(404);
  });

  it('decodes payloads encrypted with a retired key after rotation, and names a key it does not have', async () => {
    const oldSpec = generateCodecKeySpec('2024-q1');
    const [old] = await new AesGcmPayloadCodec(parseCodecKeys(oldSpec)).encode([payload()]);
    const oldJson = {
      metadata: Object.fromEntries(
        Object.entries(old!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(old!.data!).toString('base64'),
    };
    const serve = (spec: string) =>
      startCodecServer({
        codec: new AesGcmPayloadCodec(parseCodecKeys(spec)),
        authToken: token,
        corsOrigins: [],
        logger: createLogger('codec-test', 'silent'),
        host: '127.0.0.1',
        port: 0,
      });
    const decodeAt = (base: string) =>
      fetch(`${base}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ payloads: [oldJson] }),
      });

    const rotated = await serve(`${generateCodecKeySpec('2024-q2')},${oldSpec}`);
    const stranger = await serve(generateCodecKeySpec('unrelated'));
    try {
      const ok = await decodeAt(rotated.url);
      expect(ok.status).toBe(200);
      const [decoded] = ((await ok.json()) as { payloads: { data: string }[] }).payloads;
      expect(JSON.parse(Buffer.from(decoded!.data, 'base64').toString())).toEqual(secret);

      const missing = await decodeAt(stranger.url);
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: string }).error).toMatch(
        /key "2024-q1", which is not configured/,
      );
    } finally {
      await rotated.close();
      await stranger.close();
    }
  });

  it('can run without auth only when explicitly disabled for a local demo', async () => {
    const local = await startCodecServer({
      codec,
      authToken: AUTH_DISABLED_FOR_LOCAL_DEV,
      corsOrigins: [],
      logger: createLogger('x', 'silent'),
      host: '127.0.0.1',
      port: 0,
    });
    const res = await fetch(`${local.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(res.status).toBe(200);
    await local.close();
  });
});
