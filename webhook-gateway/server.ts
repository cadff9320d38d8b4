import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGatewayApp, type GatewayDeps } from './app';

export interface RunningGateway {
  /** The public port: the webhook path and `/healthz`. */
  url: string;
  port: number;
  /** The internal port: `/healthz`, `/readyz`, `/metrics` (loopback by default). */
  internalUrl: string;
  /**
   * Graceful: stops accepting connections, answers 503 to new webhooks on open connections, lets in-flight
   * ones finish (up to the configured grace), then closes every connection.
   */
  close(): Promise<void>;
}

const DRAIN_POLL_MS = 20;

async function listen(server: Server, port: number, host: string): Promise<number> {
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return (server.address() as AddressInfo).port;
}

const urlOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function startGateway(
  deps: GatewayDeps & { host?: string; port?: number },
): Promise<RunningGateway> {
  const { app, internalApp, beginShutdown, inFlight } = createGatewayApp(deps);
  const host = deps.host ?? deps.config.host;
  // A client that dribbles its headers or body holds a connection and an in-flight slot: cut it off
  // (checked every second; Node's default check runs every 30 s).
  const server = createServer(
    {
      // Node requires headersTimeout <= requestTimeout.
      headersTimeout: Math.min(deps.config.headersTimeoutMs, deps.config.requestTimeoutMs),
      requestTimeout: deps.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, deps.config.requestTimeoutMs),
    },
    app,
  );
  const internal = createServer(
    { headersTimeout: 5_000, requestTimeout: 10_000, connectionsCheckingInterval: 1_000 },
    internalApp,
  );
  const port = await listen(server, deps.port ?? deps.config.port, host);
  let internalPort: number;
  try {
    internalPort = await listen(internal, deps.config.internalPort, deps.config.internalHost);
  } catch (err) {
    server.close();
    throw err;
  }
  let closing: Promise<void> | undefined;

  async function close(): Promise<void> {
    beginShutdown();
    // Stops accepting connections and drops idle keep-alive ones; resolves once every connection is gone.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = Date.now() + deps.config.shutdownGraceMs;
    while (inFlight() > 0 && Date.now() < deadline) await sleep(DRAIN_POLL_MS);
    server.closeIdleConnections();
    const remainingMs = Math.max(0, deadline - Date.now());
    const timedOut = await Promise.race([closed.then(() => false), sleep(remainingMs, true, { ref: false })]);
    // Past the grace period whatever is still open is cut off: the bank gets no answer and retries.
    if (timedOut) server.closeAllConnections();
    await closed;
    // Probes and scrapes hold nothing worth waiting for.
    internal.closeAllConnections();
    await new Promise<void>((resolve) => internal.close(() => resolve()));
  }

  return {
    url: urlOf(host, port),
    port,
    internalUrl: urlOf(deps.config.internalHost, internalPort),
    close: () => (closing ??= close()),
  };
}
