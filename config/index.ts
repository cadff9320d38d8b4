/**
 * All configuration comes from the environment, is validated once with zod at process start, and is
 * passed down explicitly. One file per process; defaults run the local demo; secrets come from env or from
 * a file named in env.
 */
import type { RequiredEnv } from './env';
import { CODEC_SERVER_REQUIRED_ENV } from './codec-server';
import { GATEWAY_REQUIRED_ENV } from './gateway';
import { SIMULATOR_REQUIRED_ENV } from './simulator';
import { TEMPORAL_REQUIRED_ENV } from './temporal';
import { WORKER_REQUIRED_ENV } from './worker';

export { ConfigError } from './env';
export { loadTemporalConfig, type TemporalConfig } from './temporal';
export { loadPayoutSettings } from './payouts';
export { loadOperatorIdentity } from './operator';
export { loadRegistryConfig, type RegistryConfig } from './registry';
export { loadWorkerConfig, type WorkerConfig } from './worker';
export { loadGatewayConfig, type GatewayConfig } from './gateway';
export { loadSimulatorConfig, type SimulatorConfig } from './simulator';
export { loadCodecServerConfig, type CodecServerConfig } from './codec-server';
export { loadTracingConfig, type TracingConfig } from './tracing';

export type ProcessName = 'worker' | 'gateway' | 'client' | 'simulator' | 'codec-server';

/** Variables each process cannot start without, as each loader declares them (checked against docker-compose.yml by a test). */
export const REQUIRED_ENV: Record<ProcessName, RequiredEnv> = {
  worker: WORKER_REQUIRED_ENV,
  gateway: GATEWAY_REQUIRED_ENV,
  client: TEMPORAL_REQUIRED_ENV,
  simulator: SIMULATOR_REQUIRED_ENV,
  'codec-server': CODEC_SERVER_REQUIRED_ENV,
};
export { INSECURE_LOCAL_DEV_FLAG, insecureLocalDev, requireProductionSecrets } from './secrets';
