/**
 * `npx tsx scripts/registry-backfill.ts`: records every payout Temporal still holds in the payout-ID
 * registry (client/registry-backfill.ts). Needs the client's Temporal settings and
 * PAYOUT_REGISTRY_DATABASE_URL; safe to run again.
 */
import { PayoutRegistry } from '../activities/payout-registry';
import { backfillRegistry } from '../client/registry-backfill';
import { ConfigError, loadRegistryConfig, loadTemporalConfig } from '../config';
import { connectClient } from '../temporal/client';

async function main(): Promise<void> {
  const registryConfig = loadRegistryConfig(process.env);
  if (!registryConfig.databaseUrl) throw new ConfigError('PAYOUT_REGISTRY_DATABASE_URL must be set');
  const { client, connection } = await connectClient(loadTemporalConfig(process.env));
  const registry = new PayoutRegistry(registryConfig.databaseUrl);
  try {
    await registry.migrate();
    const report = await backfillRegistry(client, registry, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await registry.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
