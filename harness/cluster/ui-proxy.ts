/**
 * The authenticating front of the cluster's Temporal UI (issue #11): the UI server has no static-token
 * setting (SSO/OIDC is its built-in way), and without a JWT every call it makes to the mTLS + authorizer
 * frontend is refused. ui-server v2.42.1 lets grpc-gateway forward the incoming request's `Authorization`
 * header to the frontend (server/server.go) and skips its CSRF check when that header is present
 * (csrf.SkipOnAuthorizationHeader), so this front adds `Authorization: Bearer <JWT>` of one operator
 * credential to every request and proxies it to the UI server on loopback.
 *
 * Whatever Authorization a client sends is dropped, never forwarded: the browser gets exactly the profile
 * the front was started with (operator-read unless operator-write was chosen), nothing it can pick itself.
 * Loopback only: anyone who reaches this port acts as that operator.
 */
import { readFileSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** The operator credentials a UI may act as (harness/certs.ts CREDENTIALS). */
export const UI_PROFILES = ['operator-read', 'operator-write'] as const;
export type UiProfile = (typeof UI_PROFILES)[number];
export const DEFAULT_UI_PROFILE: UiProfile = 'operator-read';

export function parseUiProfile(value: string | undefined): UiProfile {
  if (value === undefined || value === '') return DEFAULT_UI_PROFILE;
  if ((UI_PROFILES as readonly string[]).includes(value)) return value as UiProfile;
  throw new Error(`--ui-profile must be one of ${UI_PROFILES.join(', ')}, got "${value}"`);
}

// Credentials the client may try to pass (ui-server turns Authorization-Extras into the Bearer token), and
// hop-by-hop headers that belong to one connection only (RFC 9110 7.6.1).
const DROPPED = new Set([
  'authorization',
  'authorization-extras',
  'proxy-authorization',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The headers sent to the UI server: the client's minus any credential, plus the front's token. Pure. */
export function upstreamHeaders(incoming: IncomingHttpHeaders, token: string): OutgoingHttpHeaders {
  if (!token) throw new Error('the UI front needs a token');
  const named = String(incoming.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    const lower = name.toLowerCase();
    if (value === undefined || DROPPED.has(lower) || named.includes(lower)) continue;
    out[lower] = value;
  }
  out.authorization = `Bearer ${token}`;
  return out;
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '::1';

export interface UiProxyOptions {
  /** The UI server, e.g. http://127.0.0.1:41233. */
  target: string;
  /** The JWT file of the profile; read at each request so a re-issued token is used at once. */
  tokenFile: string;
  profile: UiProfile;
  /** Loopback only. Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port: number;
}

export interface UiProxy {
  url: string;
  profile: UiProfile;
  close(): Promise<void>;
}

export async function startUiProxy(opts: UiProxyOptions): Promise<UiProxy> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host))
    throw new Error(
      `the UI front acts as ${opts.profile} for whoever reaches it: loopback only, not ${host}`,
    );
  const target = new URL(opts.target);
  if (target.protocol !== 'http:' || !isLoopback(target.hostname))
    throw new Error(`the UI front proxies to a UI server on loopback http, not ${opts.target}`);
  const readToken = () => readFileSync(opts.tokenFile, 'utf8').trim();
  readToken(); // a missing token file is an error now, not at the first request

  const server = createServer((req, res) => {
    let headers: OutgoingHttpHeaders;
    try {
      headers = upstreamHeaders(req.headers, readToken());
    } catch {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('UI front: operator token unavailable\n');
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' }).end('UI front: UI server unreachable\n');
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '::1' ? '[::1]' : host}:${port}`,
    profile: opts.profile,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
