/**
 * Probes and metrics. The public port serves only liveness (`/healthz`) next to the webhook path; readiness
 * (which calls Temporal) and the Prometheus registry are on the internal port (`internalRouter`), which is
 * bound to loopback by default: nobody outside can read our traffic or make us call Temporal.
 */
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Logger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';
import { withTemporalDeadline } from './deliver';

/** `/healthz` only: the process is up and not shutting down. */
export function livenessRouter(isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const shuttingDown = isShuttingDown();
    res.status(shuttingDown ? 503 : 200).json({ status: shuttingDown ? 'shutting_down' : 'ok' });
  });
  return router;
}

/** The internal port's routes: `/healthz`, `/readyz` (Temporal reachable) and `/metrics`. */
export function internalRouter(deps: {
  client: Client;
  logger: Logger;
  metrics: GatewayMetrics;
  isShuttingDown: () => boolean;
}): Router {
  const { client, logger, metrics, isShuttingDown } = deps;
  const router = Router();
  router.use(livenessRouter(isShuttingDown));

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/readyz', async (_req, res) => {
    if (isShuttingDown()) return void res.status(503).json({ status: 'shutting_down' });
    try {
      await withTemporalDeadline(client, () => client.workflowService.getSystemInfo({}));
      res.json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err: String(err) }, 'temporal not reachable');
      res.status(503).json({ status: 'temporal_unavailable' });
    }
  });

  return router;
}
