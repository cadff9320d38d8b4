/**
 * A test stack whose worker and gateway run as their own processes (as deployed), each exporting its metrics:
 * what the observability tests scrape, directly or through a real Prometheus.
 */
import { inject } from 'vitest';
import { spawnGateway, spawnWorker, type ChildService } from '../../harness/child-services';
import { freePort } from '../../harness/dev-server';
import type { LocalStack } from '../../harness/local-stack';
import { startTestStack } from './stack';

export interface ObservedStack {
  stack: LocalStack;
  /** The gateway's public base URL (the webhook path is under it). */
  gatewayUrl: string;
  /** The gateway's internal port: /metrics and /readyz are not on the public one. */
  gatewayInternalPort: number;
  workerMetricsPort: number;
  stop(): Promise<void>;
}

export async function startObservedStack(): Promise<ObservedStack> {
  const [gatewayPort, workerMetricsPort, gatewayInternalPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const stack = await startTestStack({
    withoutWorker: true,
    withoutGateway: true,
    webhookUrl: `${gatewayUrl}/webhooks/bank131`,
  });
  let children: (ChildService | undefined)[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => c?.stop() ?? Promise.resolve()));
    await stack.stop();
  };
  try {
    children = await Promise.all([
      spawnGateway(stack, gatewayPort, { GATEWAY_INTERNAL_PORT: String(gatewayInternalPort) }),
      spawnWorker(stack, inject('workflowBundlePath'), { WORKER_METRICS_PORT: String(workerMetricsPort) }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { stack, gatewayUrl, gatewayInternalPort, workerMetricsPort, stop };
}
