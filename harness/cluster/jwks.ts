/**
 * The JWT public keys on loopback HTTP, for the server's default key provider: it fetches
 * `keySourceURIs` with a plain HTTP GET at start and every refresh interval, and reads nothing else (no
 * file:// source in v1.29.1, common/authorization/default_token_key_provider.go). Serves the file as it is on
 * disk at each request, so a rotated key is picked up at the server's next refresh.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JwksServer {
  url: string;
  close(): Promise<void>;
}

export async function serveJwks(file: string, port = 0): Promise<JwksServer> {
  readFileSync(file); // fail now, not at the server's first fetch
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(503).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/.well-known/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
