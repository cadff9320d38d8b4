/**
 * The UI's authenticating front (harness/cluster/ui-proxy.ts) over real loopback HTTP: it adds the chosen
 * operator's token, never forwards a token the client sends, passes the UI server's answers through, and
 * refuses to listen anywhere but loopback. test/cluster/ui-auth.test.ts proves the same against the real
 * UI server and the mTLS cluster's authorizer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_UI_PROFILE,
  parseUiProfile,
  startUiProxy,
  upstreamHeaders,
  type UiProxy,
} from '../../harness/cluster/ui-proxy';

const dir = mkdtempSync(path.join(tmpdir(), 'ui-proxy-'));
const tokenFile = path.join(dir, 'operator-read.jwt');
let upstream: Server;
let upstreamUrl: string;
const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
let front: UiProxy;

beforeAll(async () => {
  writeFileSync(tokenFile, 'read-token\n');
  // Stands in for the UI server: records what reached it and answers with a status the path asks for.
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const status = req.url?.startsWith('/denied') ? 403 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': 'ui' });
      res.end(JSON.stringify({ code: status === 403 ? 7 : 0 }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  front = await startUiProxy({ target: upstreamUrl, tokenFile, profile: 'operator-read', port: 0 });
});

afterAll(async () => {
  await front?.close();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('UI front headers', () => {
  it('replaces any client credential with the front token and drops hop-by-hop headers', () => {
    const out = upstreamHeaders(
      {
        authorization: 'Bearer stolen-write-token',
        'authorization-extras': 'id-token',
        'proxy-authorization': 'Basic x',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': '1',
        'keep-alive': 'timeout=5',
        accept: 'application/json',
        cookie: '_csrf=abc',
      },
      'read-token',
    );
    expect(out).toEqual({
      authorization: 'Bearer read-token',
      accept: 'application/json',
      cookie: '_csrf=abc',
    });
  });

  it('refuses to build headers without a token', () => {
    expect(() => upstreamHeaders({}, '')).toThrow(/token/);
  });

  it('acts as operator-read unless operator-write is chosen, and nothing else', () => {
    expect(DEFAULT_UI_PROFILE).toBe('operator-read');
    expect(parseUiProfile(undefined)).toBe('operator-read');
    expect(parseUiProfile('operator-write')).toBe('operator-write');
    expect(() => parseUiProfile('admin')).toThrow(/operator-read, operator-write/);
  });
});

describe('UI front over loopback HTTP', () => {
  it('forwards method, path and body with the profile token, never the client one', async () => {
    seen.length = 0;
    const res = await fetch(`${front.url}/api/v1/namespaces/default/workflows/w-1/terminate?x=1`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer operator-write-token-from-the-browser',
        'authorization-extras': 'id-token',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ reason: 'test' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('ui');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/namespaces/default/workflows/w-1/terminate?x=1',
      body: '{"reason":"test"}',
    });
    expect(seen[0]!.headers.authorization).toBe('Bearer read-token');
    expect(seen[0]!.headers['authorization-extras']).toBeUndefined();
  });

  it("passes the UI server's refusals through unchanged", async () => {
    const res = await fetch(`${front.url}/denied`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ code: 7 });
  });

  it('reads the token file at each request, so a re-issued token is used at once', async () => {
    seen.length = 0;
    writeFileSync(tokenFile, 'reissued-token\n');
    try {
      await (await fetch(`${front.url}/api/v1/settings`)).arrayBuffer();
      expect(seen[0]!.headers.authorization).toBe('Bearer reissued-token');
    } finally {
      writeFileSync(tokenFile, 'read-token\n');
    }
  });

  it('answers 503, not an unauthenticated call, when the token file is gone', async () => {
    const gone = path.join(dir, 'gone.jwt');
    writeFileSync(gone, 't');
    const other = await startUiProxy({
      target: upstreamUrl,
      tokenFile: gone,
      profile: 'operator-write',
      port: 0,
    });
    try {
      rmSync(gone);
      seen.length = 0;
      const res = await fetch(`${other.url}/api/v1/settings`);
      expect(res.status).toBe(503);
      expect(seen).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('answers 502 when the UI server is down', async () => {
    const other = await startUiProxy({
      target: 'http://127.0.0.1:1',
      tokenFile,
      profile: 'operator-read',
      port: 0,
    });
    try {
      expect((await fetch(`${other.url}/`)).status).toBe(502);
    } finally {
      await other.close();
    }
  });

  it('listens on loopback only and proxies only to a loopback UI server', async () => {
    await expect(
      startUiProxy({ target: upstreamUrl, tokenFile, profile: 'operator-read', host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow(/loopback only/);
    await expect(
      startUiProxy({ target: 'http://10.0.0.5:8080', tokenFile, profile: 'operator-read', port: 0 }),
    ).rejects.toThrow(/loopback/);
    await expect(
      startUiProxy({
        target: upstreamUrl,
        tokenFile: path.join(dir, 'none.jwt'),
        profile: 'operator-read',
        port: 0,
      }),
    ).rejects.toThrow(/ENOENT/);
  });
});
