/** The baseline worker process (same tuning as ours), started by bench/run.ts. */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadWorkerTuning } from '../../config/worker';
import { createBaselineActivities } from './activities';

async function main(): Promise<void> {
  // Temporal's environment configuration, as our worker: address, and on the mTLS cluster its profile.
  const { connectionOptions } = loadClientConnectConfig();
  const options = { ...connectionOptions, address: connectionOptions.address ?? '127.0.0.1:7233' };
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE ?? 'baseline';
  const client = new Client({ connection: await Connection.connect(options) });
  const worker = await Worker.create({
    connection: await NativeConnection.connect(options),
    taskQueue,
    workflowsPath: path.join(__dirname, 'workflows.ts'),
    activities: createBaselineActivities(client),
    // Never tuned differently from ours: the same WORKER_* variables, read the same way.
    ...loadWorkerTuning(process.env),
  });
  process.stdout.write('baseline worker started\n');
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await client.connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline worker failed: ${String(err)}\n`);
  process.exit(1);
});
