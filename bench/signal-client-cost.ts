/**
 * `npx tsx bench/signal-client-cost.ts [signals]`: the CPU one signal costs the process that sends it (the
 * webhook gateway's job), with the SDK's two connections: `Connection` (grpc-js, JavaScript) and the worker
 * package's `NativeConnection` (the SDK's Rust core). The same client, codec and workflow; runs alternate.
 */
import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter';
import { startDevServer } from '../harness/dev-server';

const CODEC_KEYS = 'bench-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const CONCURRENCY = 16;

async function cpuPerSignal(connection: ConnectionLike, workflowId: string, n: number): Promise<number> {
  const client = new Client({ connection, dataConverter: dataConverterFor(CODEC_KEYS) });
  const handle = client.workflow.getHandle(workflowId);
  const payload = { type: 'ready_to_confirm', session: { sessionId: 'ps_1', status: 'in_progress' }, n: 0 };
  const send = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next += 1;
          await handle.signal('noop', { ...payload, n: next });
        }
      }),
    );
  };
  await send(200); // warm-up
  const before = process.cpuUsage();
  await send(n);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 3000);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer();
  try {
    const grpcJs = await Connection.connect({ address: server.address });
    const native = await NativeConnection.connect({ address: server.address });
    const starter = new Client({ connection: grpcJs, dataConverter: dataConverterFor(CODEC_KEYS) });
    // Workflows nobody runs: signals are recorded by the server, which is all the sender's cost needs. A new
    // one per run: the server refuses more than 10 000 signals per workflow.
    let workflows = 0;
    const target = async () => {
      workflows += 1;
      const handle = await starter.workflow.start('nobodyRunsThis', {
        taskQueue: 'no-worker',
        workflowId: `signal-cost-${Date.now()}-${workflows}`,
      });
      return handle.workflowId;
    };
    const rows: string[] = [];
    for (let rep = 1; rep <= 3; rep += 1) {
      const js = await cpuPerSignal(grpcJs, await target(), n);
      const rust = await cpuPerSignal(native, await target(), n);
      rows.push(`rep ${rep}: grpc-js ${js.toFixed(3)} ms, native ${rust.toFixed(3)} ms CPU per signal`);
      console.log(rows.at(-1));
    }
    await grpcJs.close();
    await native.close();
  } finally {
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
