/**
 * The remote codec endpoint the Temporal Web UI calls to show encrypted payloads decoded to operators:
 * `POST /decode` and `POST /encode` with `{ payloads: [{ metadata: {k: base64}, data: base64 }] }`.
 * CORS for the UI's origin; a bearer token unless explicitly disabled for the local demo.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../observability/logger';

/** The only token value that turns authentication off; meant for `npm start` on a developer machine. */
export const AUTH_DISABLED_FOR_LOCAL_DEV = 'disabled-for-local-dev';

const JsonPayload = z.object({
  metadata: z.record(z.string(), z.string()).optional(),
  data: z.string().optional(),
});
const CodecRequest = z.object({ payloads: z.array(JsonPayload) });
type JsonPayload = z.infer<typeof JsonPayload>;

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
  };
}

export interface CodecServerOptions {
  codec: PayloadCodec;
  authToken: string;
  corsOrigins: string[];
  logger: Logger;
}

export function createCodecServerApp({
  codec,
  authToken,
  corsOrigins,
  logger,
}: CodecServerOptions): express.Express {
  const authDisabled = authToken === AUTH_DISABLED_FOR_LOCAL_DEV;
  if (authDisabled) logger.warn('codec server authentication is DISABLED: only acceptable for a local demo');
  const expected = Buffer.from(`Bearer ${authToken}`);
  const app = express();
  app.disable('x-powered-by');
  app.use(
    cors({
      origin: corsOrigins,
      credentials: true,
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace'],
      methods: ['POST', 'OPTIONS'],
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (authDisabled || req.method === 'OPTIONS') return next();
    const given = Buffer.from(req.header('authorization') ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).json({ error: 'unauthorized' });
  });
  app.use(express.json({ limit: '4mb' }));

  const handler = (direction: 'encode' | 'decode') => async (req: Request, res: Response) => {
    const parsed = CodecRequest.safeParse(req.body);
    if (!parsed.success)
      return void res.status(400).json({ error: 'expected { payloads: [{ metadata, data }] }' });
    try {
      const payloads = parsed.data.payloads.map(fromJson);
      const out = direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      res.json({ payloads: out.map(toJson) });
    } catch (err) {
      logger.warn({ err: String(err), direction }, 'codec request failed');
      res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
    }
  };
  app.post('/encode', handler('encode'));
  app.post('/decode', handler('decode'));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(400).json({ error: (err as { type?: string }).type ?? 'bad_request' });
  });
  return app;
}

export async function startCodecServer(
  opts: CodecServerOptions & { host: string; port: number },
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = createCodecServerApp(opts).listen(opts.port, opts.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
