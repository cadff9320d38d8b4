import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
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

/** `interceptors`: the process's tracing (`Tracing.clientInterceptors`), so its calls carry the active trace. */
export async function connectClient(
  cfg: TemporalConfig,
  opts: { interceptors?: ClientInterceptors } = {},
): Promise<{ client: Client; connection: Connection; dataConverter: DataConverter }> {
  const connection = await Connection.connect(connectionOptions(cfg));
  const dataConverter = dataConverterFor(cfg.codecKeys);
  const client = new Client({
    connection,
    namespace: cfg.namespace,
    dataConverter,
    interceptors: opts.interceptors,
  });
  return { client, connection, dataConverter };
}
