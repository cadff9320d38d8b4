import type { AddressInfo } from 'node:net';
import { createGatewayApp, type GatewayDeps } from './app';

export interface RunningGateway {
  url: string;
  port: number;
  /** Graceful: new webhooks get 503 at once, in-flight ones finish (up to the configured grace), then it closes. */
  close(): Promise<void>;
}

export async function startGateway(
  deps: GatewayDeps & { host?: string; port?: number },
): Promise<RunningGateway> {
  const { app, beginShutdown, inFlight } = createGatewayApp(deps);
  const host = deps.host ?? deps.config.host;
  const server = app.listen(deps.port ?? deps.config.port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      beginShutdown();
      const deadline = Date.now() + deps.config.shutdownGraceMs;
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
