/**
 * `npm run test:money-safety [-- --long] [-- --payouts N] [-- --seed N]`: the money-safety invariant test
 * (test/faults/money-safety.test.ts) with more payouts or another seed than the CI run's 300.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    payouts: { type: 'string' },
    seed: { type: 'string' },
  },
});
const payouts = values.payouts ?? (values.long ? '2000' : '300');
if (!/^\d+$/.test(payouts) || (values.seed !== undefined && !/^\d+$/.test(values.seed))) {
  process.stderr.write('--payouts and --seed take whole numbers\n');
  process.exit(2);
}
const run = spawnSync('npx', ['vitest', 'run', '--project', 'faults', 'test/faults/money-safety.test.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    MONEY_SAFETY_PAYOUTS: payouts,
    ...(values.seed ? { MONEY_SAFETY_SEED: values.seed } : {}),
  },
});
process.exit(run.status ?? 1);
