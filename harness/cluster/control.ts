/**
 * Fault control for a cluster started in another process (the vitest global setup): a loopback HTTP endpoint
 * that kills, stops and starts one service process, or restarts PostgreSQL, and a client for test files.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster } from './cluster';
import { CLUSTER_SERVICES, type ClusterPorts, type ClusterService } from './config';

export interface ClusterControlServer {
  url: string;
  close(): Promise<void>;
}

export async function startClusterControl(cluster: Cluster): Promise<ClusterControlServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const [, action, target] = url.pathname.split('/');
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const run = async (): Promise<unknown> => {
      if (req.method === 'GET' && action === 'status')
        return {
          address: cluster.address,
          ports: cluster.ports,
          services: Object.fromEntries(CLUSTER_SERVICES.map((s) => [s, cluster.services[s].pid ?? null])),
          postgres: {
            running: cluster.postgres.running(),
            host: cluster.postgres.host,
            port: cluster.postgres.port,
            user: cluster.postgres.user,
            password: cluster.postgres.password,
          },
          schemaDir: cluster.binaries.postgresSchemaDir,
          sqlTool: cluster.binaries.sqlTool,
        };
      if (req.method !== 'POST') throw new Error('POST only');
      if (action === 'postgres' && target === 'restart') {
        await cluster.restartPostgres(Number(url.searchParams.get('downMs') ?? 0));
        return { ok: true };
      }
      if (action === 'ready') {
        await cluster.waitReady(Number(url.searchParams.get('timeoutMs') ?? 60_000));
        return { ok: true };
      }
      if (!CLUSTER_SERVICES.includes(target as ClusterService)) throw new Error(`unknown service ${target}`);
      const service = target as ClusterService;
      if (action === 'kill') await cluster.kill(service);
      else if (action === 'stop') await cluster.stopService(service);
      else if (action === 'start') await cluster.startService(service);
      else throw new Error(`unknown action ${action}`);
      return { ok: true, pid: cluster.services[service].pid ?? null };
    };
    run().then(
      (body) => answer(200, body),
      (err: unknown) => answer(500, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ClusterStatus {
  address: string;
  ports: ClusterPorts;
  services: Record<ClusterService, number | null>;
  postgres: { running: boolean; host: string; port: number; user: string; password: string };
  schemaDir: string;
  sqlTool: string;
}

export interface ClusterControl {
  status(): Promise<ClusterStatus>;
  kill(service: ClusterService): Promise<void>;
  stop(service: ClusterService): Promise<void>;
  start(service: ClusterService): Promise<void>;
  restartPostgres(downMs?: number): Promise<void>;
  waitReady(timeoutMs?: number): Promise<void>;
}

export function clusterControl(url: string): ClusterControl {
  const call = async (method: 'GET' | 'POST', pathname: string) => {
    const res = await fetch(`${url}${pathname}`, { method });
    const body = (await res.json()) as { error?: string };
    if (!res.ok) throw new Error(`cluster control ${pathname}: ${body.error ?? res.status}`);
    return body;
  };
  return {
    status: async () => (await call('GET', '/status')) as unknown as ClusterStatus,
    kill: async (s) => void (await call('POST', `/kill/${s}`)),
    stop: async (s) => void (await call('POST', `/stop/${s}`)),
    start: async (s) => void (await call('POST', `/start/${s}`)),
    restartPostgres: async (downMs = 0) => void (await call('POST', `/postgres/restart?downMs=${downMs}`)),
    waitReady: async (timeoutMs = 60_000) => void (await call('POST', `/ready?timeoutMs=${timeoutMs}`)),
  };
}
