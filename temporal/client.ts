import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TemporalConfig } from '../config';
import { dataConverterFor } from '../codec/data-converter';

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export function connectionOptions(cfg: TemporalConfig) {
  return {
    address: cfg.address,
    tls: cfg.tls || undefined,
    apiKey: cfg.apiKey,
    metadata: cfg.metadata,
  };
}

export async function connectClient(
  cfg: TemporalConfig,
): Promise<{ client: Client; connection: Connection; dataConverter: DataConverter }> {
  const connection = await Connection.connect(connectionOptions(cfg));
  const dataConverter = dataConverterFor(cfg.codecKeys);
  const client = new Client({ connection, namespace: cfg.namespace, dataConverter });
  return { client, connection, dataConverter };
}
