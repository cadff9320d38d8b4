/**
 * `npx tsx bench/simulator-cost.ts [payouts] [rounds] [--profile]`: the CPU the Bank 131 simulator spends on
 * one payout, alone. The simulator runs in this process with no processing delay, as in the benchmark; a
 * child process plays the worker and the gateway (our Bank 131 client: tokenize, init, confirm, 16 payouts in
 * flight; a bare HTTP server acknowledging the webhooks). Only this process's CPU is read, round by round.
 * `SIM_COST_RATE=R` starts R payouts a second instead (any number in flight), as the benchmark's load runs
 * pace the bank. `--profile` also writes this process's V8 CPU profile and prints it by package.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { Bank131Client } from '../bank131/client';
import { generateKeyPairPem } from '../bank131/signature';
import { startSimulator } from '../simulator/server';
import { profileSummaryLines } from './cpu-profile';

const CONCURRENCY = 16;
const PROJECT = 'bench-project';
const RATE = Number(process.env.SIM_COST_RATE ?? 0);

/** The child: our client against the simulator, and the webhook receiver. Driven by messages from the parent. */
async function driver(): Promise<void> {
  const waiting = new Map<string, () => void>();
  const arrived = new Set<string>();
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.end('{}');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        type?: string;
        session?: { id?: string };
      };
      const key = `${body.session?.id}:${body.type}`;
      const wake = waiting.get(key);
      if (wake) wake();
      else arrived.add(key);
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const webhook = (sessionId: string, type: string) =>
    new Promise<void>((resolve) => {
      const key = `${sessionId}:${type}`;
      if (arrived.delete(key)) return resolve();
      waiting.set(key, () => (waiting.delete(key), resolve()));
    });
  let client: Bank131Client | undefined;
  process.on('message', (m: { simUrl: string; privateKeyPem: string } | { run: number; tag: string }) => {
    if ('simUrl' in m) {
      client = new Bank131Client({
        baseUrl: m.simUrl,
        projectId: PROJECT,
        privateKeyPem: m.privateKeyPem,
        maxConnections: 32,
        connectTimeoutMs: 5_000,
        requestTimeoutMs: 30_000,
      });
      return;
    }
    void runPayouts(client!, m.run, m.tag, webhook).then(() => process.send!({ done: m.run }));
  });
  const { port } = sink.address() as { port: number };
  process.send!({ sinkUrl: `http://127.0.0.1:${port}/webhooks/bank131` });
}

async function runPayouts(
  client: Bank131Client,
  n: number,
  tag: string,
  webhook: (sessionId: string, type: string) => Promise<void>,
): Promise<void> {
  let next = 0;
  const startedAt = performance.now();
  // Paced (RATE payouts a second, any number in flight), as the benchmark's load runs are; else 16 in flight.
  const lanes = RATE ? n : CONCURRENCY;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      if (RATE) await new Promise((r) => setTimeout(r, startedAt + (lane * 1000) / RATE - performance.now()));
      while (next < n) {
        const id = `payout-${tag}-${next++}`;
        const { token } = await client.tokenize(
          { bik: '044525974', account: '40702810000000000001' },
          `${id}:t`,
        );
        const session = await client.initPayout(
          {
            payment_method: {
              type: 'bank_account',
              bank_account: {
                system_type: 'ru',
                ru: { token, full_name: 'Иванов Иван Иванович', description: 'Выплата' },
              },
            },
            amount_details: { amount: 150_000, currency: 'rub' },
            metadata: id,
          },
          `${id}:init`,
        );
        await webhook(session.id, 'ready_to_confirm');
        await client.confirm(session.id, `${id}:confirm`);
        await webhook(session.id, 'payment_finished');
        if (RATE) return;
      }
    }),
  );
}

const USAGE =
  'usage: npx tsx bench/simulator-cost.ts [payouts per round, 2000] [rounds, 3] [--profile]' +
  ' (SIM_COST_RATE=R: R payouts a second)';
const WARM_UP = 300;

/** The command line, or exit 2 with the reason and the usage before anything starts. */
function parseArgs(argv: string[]): { n: number; rounds: number; profile: boolean } {
  const flags = argv.filter((a) => a.startsWith('--'));
  const [n = '2000', rounds = '3', ...extra] = argv.filter((a) => !a.startsWith('--'));
  const wholePositive = (v: string) => /^[1-9]\d*$/.test(v);
  const problem = !wholePositive(n)
    ? `payouts per round is a whole number above 0, not ${JSON.stringify(n)}`
    : !wholePositive(rounds)
      ? `rounds is a whole number above 0, not ${JSON.stringify(rounds)}`
      : extra.length > 0 || flags.some((f) => f !== '--profile')
        ? `unknown arguments: ${[...extra, ...flags.filter((f) => f !== '--profile')].join(' ')}`
        : !(Number.isFinite(RATE) && RATE >= 0)
          ? `SIM_COST_RATE is payouts a second (0: 16 in flight), not ${JSON.stringify(process.env.SIM_COST_RATE)}`
          : undefined;
  if (problem) {
    process.stderr.write(`${problem}\n${USAGE}\n`);
    process.exit(2);
  }
  return { n: Number(n), rounds: Number(rounds), profile: flags.includes('--profile') };
}

async function main(): Promise<void> {
  const { n, rounds, profile } = parseArgs(process.argv.slice(2));
  const keys = { partner: generateKeyPairPem(), bank: generateKeyPairPem() };
  const child: ChildProcess = fork(__filename, ['--driver'], { execArgv: ['--import', 'tsx'] });
  const fromChild = <T>(pick: (m: Record<string, unknown>) => T | undefined) =>
    new Promise<T>((resolve) => {
      const on = (m: Record<string, unknown>) => {
        const v = pick(m);
        if (v === undefined) return;
        child.off('message', on);
        resolve(v);
      };
      child.on('message', on);
    });
  const sinkUrl = await fromChild((m) => m.sinkUrl as string | undefined);
  const sim = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    projectId: PROJECT,
    partnerPublicKeyPem: keys.partner.publicKeyPem,
    bankPrivateKeyPem: keys.bank.privateKeyPem,
    webhookUrl: sinkUrl,
    processingDelayMs: 0,
    confirmDeadlineMs: 240 * 60_000,
    webhookRetryInitialMs: 200,
    webhookRetryMaxMs: 5_000,
    webhookRetryGiveUpMs: 30 * 60_000,
    logLevel: 'silent',
    scenariosByAmount: false,
  });
  child.send({ simUrl: sim.url, privateKeyPem: keys.partner.privateKeyPem });
  const run = async (count: number, tag: string) => {
    const done = fromChild((m) => (m.done === count ? true : undefined));
    child.send({ run: count, tag });
    await done;
  };
  const session = new Session();
  try {
    await run(WARM_UP, 'warm');
    if (profile) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    // What the simulator spends with nothing to do (its timers), which a slow batch pays more of per payout.
    const idleBefore = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = process.cpuUsage(idleBefore);
    console.log(`idle: ${((idle.user + idle.system) / 1000 / 5).toFixed(1)} ms of CPU a second`);
    const figures: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = process.cpuUsage();
      const started = performance.now();
      await run(n, `r${r}`);
      const used = process.cpuUsage(before);
      const ms = (used.user + used.system) / 1000 / n;
      figures.push(ms);
      console.log(
        `round ${r + 1}: ${ms.toFixed(3)} ms of simulator CPU per payout ` +
          `(user ${(used.user / 1000 / n).toFixed(3)}, system ${(used.system / 1000 / n).toFixed(3)}), ` +
          `${(n / ((performance.now() - started) / 1000)).toFixed(0)} payouts/s`,
      );
    }
    console.log(`per payout, each round as run: ${figures.map((f) => f.toFixed(3)).join(' / ')} ms`);
    // The figure means something only if the simulator did every payout, once.
    const payouts = Object.values(sim.ledger.summary());
    const once = payouts.filter((p) => p.initsProcessed === 1 && p.confirmsProcessed === 1).length;
    const expected = WARM_UP + n * rounds;
    if (once !== expected || payouts.length !== expected)
      throw new Error(`the simulator initiated and confirmed ${once} payouts once, of ${expected}`);
    console.log(`the simulator initiated and confirmed each of the ${expected} payouts once`);
    if (profile) {
      const { profile: cpu } = await session.post('Profiler.stop');
      const dir = path.join(__dirname, '..', '.cache', 'profiles');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `simulator-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(cpu));
      const heading = (ms: number) =>
        `\nsimulator process profile (${ms.toFixed(0)} ms, self time): ${path.relative(process.cwd(), file)}`;
      for (const line of profileSummaryLines(file, heading, { owners: 25, functions: 25 })) console.log(line);
    }
  } finally {
    session.disconnect();
    child.kill();
    await sim.close();
  }
}

if (process.argv.includes('--driver')) void driver();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
