/**
 * `npx tsx bench/server-cost.ts [n] [rounds]`: the Temporal dev server's CPU per workflow for the search
 * attributes a payout writes, apart from everything else. Runs `n` workflows of one shape (a local activity,
 * two activities) per variant, variants alternating for `rounds` rounds, and prints the server's CPU per
 * workflow (mean over the rounds, each round's figure listed lowest first): none, the start's four search
 * attributes, and those plus 1, 2 or 3 upserts (a payout on the happy path writes the start's four and
 * three upserts: two of ours and the SDK's TemporalChangeVersion for its patch).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { startDevServer } from '../harness/dev-server';
import { PayoutAmountKey, PayoutIdKey, PayoutStatusKey, PayoutStepKey } from '../workflows/search-attributes';
import { processUsage } from './process-usage';
import * as activities from './server-cost/activities';

const VARIANTS = [
  { name: 'no search attributes', startAttributes: false, upserts: 0 },
  { name: "the start's 4", startAttributes: true, upserts: 0 },
  { name: "the start's 4 + 1 upsert", startAttributes: true, upserts: 1 },
  { name: "the start's 4 + 2 upserts", startAttributes: true, upserts: 2 },
  { name: "the start's 4 + 3 upserts", startAttributes: true, upserts: 3 },
];

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
    const run = async (v: (typeof VARIANTS)[number], tag: string) => {
      const cpu0 = processUsage(server.process.pid!).cpuSeconds;
      const queue = Array.from({ length: n }, (_, i) => i);
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
            const handle = await client.workflow.start('shapeWorkflow', {
              taskQueue,
              workflowId: `cost-${tag}-${i}`,
              args: [v.upserts],
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
        const order = [...VARIANTS.keys()];
        if (r % 2 === 1) order.reverse();
        for (const i of order)
          perVariant[i]!.push(await run(VARIANTS[i]!, `${r}-${i}-${randomUUID().slice(0, 6)}`));
      }
    });
    for (const [i, v] of VARIANTS.entries()) {
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
