/**
 * `npx tsx bench/server-cost.ts [n] [rounds]`: the Temporal dev server's CPU per workflow for the search
 * attributes a payout writes, apart from everything else. Runs `n` workflows of one shape (a local activity,
 * two activities) per variant, variants alternating for `rounds` rounds, and prints the server's CPU per
 * workflow (mean over the rounds, each round's figure listed lowest first): none, the start's four search
 * attributes, and those plus 1, 2 or 3 upserts (a payout on the happy path writes the start's four and
 * three upserts: two of ours and the SDK's TemporalChangeVersion for its patch); then two other differences
 * between a payout and the baseline, apart: bigger payloads, a fourth busy process on the machine, and the
 * UI's summaries (user metadata on the start and on each activity's command).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { demoPayoutRequest } from '../harness/demo-payout';
import { startDevServer } from '../harness/dev-server';
import { PayoutAmountKey, PayoutIdKey, PayoutStatusKey, PayoutStepKey } from '../workflows/search-attributes';
import { staticMetadata } from '../workflows/ui-details';
import { processUsage } from './process-usage';
import * as activities from './server-cost/activities';

interface Variant {
  name: string;
  startAttributes: boolean;
  upserts: number;
  /** Bytes each activity takes and returns, and the start's input; none when omitted. */
  payloadBytes?: number;
  /** The UI's summaries: the start's static summary and details, and one on each activity, as a payout's. */
  summaries?: boolean;
  /**
   * A fourth process busy this share of one core while the variant runs, as our gateway and the simulator are
   * beside a payout's worker and server: what contention on two cores adds to the server's CPU per workflow.
   */
  busyShare?: number;
}
const VARIANTS: Variant[] = [
  { name: 'no search attributes', startAttributes: false, upserts: 0 },
  { name: "the start's 4", startAttributes: true, upserts: 0 },
  { name: "the start's 4 + 1 upsert", startAttributes: true, upserts: 1 },
  { name: "the start's 4 + 2 upserts", startAttributes: true, upserts: 2 },
  { name: "the start's 4 + 3 upserts", startAttributes: true, upserts: 3 },
  // A payout's history is ~9 kB larger than the baseline's (encrypted requests, bank answers, webhooks and
  // the UI's summaries); 1.5 kB in the start's input, the local activity's result and both activities' inputs
  // and results (6 payloads) is about that.
  { name: 'no attributes, 1.5 kB payloads', startAttributes: false, upserts: 0, payloadBytes: 1500 },
  { name: 'no attributes, 4th process 50 %', startAttributes: false, upserts: 0, busyShare: 0.5 },
  { name: 'no attributes, UI summaries', startAttributes: false, upserts: 0, summaries: true },
];

/** A process that spins for `share` of every 10 ms and sleeps the rest. */
function spawnBusyProcess(share: number): ChildProcess {
  const code = `const t=()=>{const e=Date.now()+${10 * share};while(Date.now()<e);setTimeout(t,${10 * (1 - share)})};t()`;
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}
/** `SERVER_COST_VARIANTS=0,5`: only these variants (indexes above), to measure one difference for longer. */
const CHOSEN = process.env.SERVER_COST_VARIANTS?.split(',').map(Number) ?? [...VARIANTS.keys()];

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 300);
  const rounds = Number(process.argv[3] ?? 3);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer();
  try {
    const taskQueue = `server-cost-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./server-cost/workflows'),
      activities,
    });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const run = async (v: Variant, tag: string) => {
      const busy = v.busyShare === undefined ? undefined : spawnBusyProcess(v.busyShare);
      try {
        return await serverCpuPerWorkflow(v, tag);
      } finally {
        busy?.kill('SIGKILL');
      }
    };
    const serverCpuPerWorkflow = async (v: Variant, tag: string) => {
      const cpu0 = processUsage(server.process.pid!).cpuSeconds;
      const queue = Array.from({ length: n }, (_, i) => i);
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
            const handle = await client.workflow.start('shapeWorkflow', {
              taskQueue,
              workflowId: `cost-${tag}-${i}`,
              args: [
                v.upserts,
                v.payloadBytes === undefined ? null : 'x'.repeat(v.payloadBytes),
                v.summaries ?? false,
              ],
              // What a payout's start writes, from the request the benchmark's payouts use.
              ...(v.summaries ? staticMetadata(demoPayoutRequest(`${tag}-${i}`)) : {}),
              ...(v.startAttributes
                ? {
                    typedSearchAttributes: [
                      { key: PayoutIdKey, value: `${tag}-${i}` },
                      { key: PayoutAmountKey, value: 1000 },
                      { key: PayoutStatusKey, value: 'in_progress' },
                      { key: PayoutStepKey, value: 'starting' },
                    ],
                  }
                : {}),
            });
            await handle.result();
          }
        }),
      );
      return ((processUsage(server.process.pid!).cpuSeconds - cpu0) / n) * 1000;
    };
    const perVariant = VARIANTS.map(() => [] as number[]);
    await worker.runUntil(async () => {
      await run(VARIANTS[4]!, 'warm'); // JIT, the server's caches
      // The dev server's in-memory database slows as it fills: every other round runs the variants backwards,
      // so that drift falls on all of them alike.
      for (let r = 0; r < rounds; r++) {
        const order = [...CHOSEN];
        if (r % 2 === 1) order.reverse();
        for (const i of order)
          perVariant[i]!.push(await run(VARIANTS[i]!, `${r}-${i}-${randomUUID().slice(0, 6)}`));
      }
    });
    for (const i of CHOSEN) {
      const v = VARIANTS[i]!;
      const xs = [...perVariant[i]!].sort((a, b) => a - b);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      process.stdout.write(
        `${v.name.padEnd(28)} server ${mean.toFixed(2)} ms CPU per workflow, mean of ${xs.length} (${xs.map((x) => x.toFixed(2)).join(', ')})\n`,
      );
    }
    await nativeConnection.close();
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
