import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGatewayApp, type GatewayDeps } from './app';

export interface RunningGateway {
  url: string;
  port: number;
  /**
   * Graceful: stops accepting connections, answers 503 to new webhooks on open connections, lets in-flight
   * ones finish (up to the configured grace), then closes every connection.
   */
  close(): Promise<void>;
}

const DRAIN_POLL_MS = 20;

export async function startGateway(
  deps: GatewayDeps & { host?: string; port?: number },
): Promise<RunningGateway> {
  const { app, beginShutdown, inFlight } = createGatewayApp(deps);
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
  ).listen(deps.port ?? deps.config.port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
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
  }

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => (closing ??= close()),
  };
}
