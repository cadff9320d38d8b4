/**
 * The remote codec endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to show encrypted
 * payloads decoded to operators: `POST …/decode` and `POST …/encode` with the proto3-JSON form of `Payloads`,
 * `{ payloads: [{ metadata: {k: base64}, data: base64 }] }`, answered in the same shape.
 * CORS for the UI's origins; a bearer token unless explicitly disabled for the local demo.
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

/** The UI sends `X-Namespace`; `Authorization` when it forwards a token. */
export const CODEC_CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-Namespace'];

const BODY_LIMIT = '4mb';

// proto3 JSON writes bytes as base64, standard or URL-safe, padding optional.
const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'not base64')
  .refine((s) => s.replace(/=+$/, '').length % 4 !== 1, 'not base64 (bad length)');
const JsonPayload = z.object({
  metadata: z.record(z.string(), base64).nullish(),
  data: base64.nullish(),
});
const CodecRequest = z.object({ payloads: z.array(JsonPayload) });
type JsonPayload = z.infer<typeof JsonPayload>;

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: p.data === undefined || p.data === null ? undefined : Buffer.from(p.data, 'base64'),
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

function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  const where = first?.path.length ? ` at ${first.path.join('.')}` : '';
  return `expected { payloads: [{ metadata: { key: base64 }, data: base64 }] }: ${first?.message ?? 'invalid'}${where}`;
}

/** A bad body from express.json (malformed JSON, too large) carries its HTTP status. */
const BodyParserError = z.object({ status: z.number().int(), type: z.string(), message: z.string() });

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Compared with `Authorization: Bearer <token>`; AUTH_DISABLED_FOR_LOCAL_DEV turns the check off. */
  authToken: string;
  /** Origins of the Temporal UI as browsers see it, e.g. `http://localhost:8233`. */
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
  if (authDisabled) {
    logger.warn(
      `codec server authentication is DISABLED (CODEC_SERVER_AUTH_TOKEN=${AUTH_DISABLED_FOR_LOCAL_DEV}): ` +
        'anyone who can reach it can decrypt payloads. Only acceptable for the local demo.',
    );
  } else if (authToken.length === 0) {
    throw new Error(`codec server needs an auth token (or ${AUTH_DISABLED_FOR_LOCAL_DEV} for a local demo)`);
  }
  const expected = Buffer.from(`Bearer ${authToken}`);
  const app = express();
  app.disable('x-powered-by');
  // Before auth, so a 401 still carries CORS headers and the UI can show why decoding failed.
  app.use(
    cors({
      origin: corsOrigins,
      credentials: true,
      allowedHeaders: CODEC_CORS_ALLOWED_HEADERS,
      methods: ['POST', 'OPTIONS'],
      maxAge: 600,
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (authDisabled || req.method === 'OPTIONS') return next();
    const given = Buffer.from(req.header('authorization') ?? '');
    // timingSafeEqual needs equal lengths; the length itself is not the secret.
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).json({ error: 'unauthorized: send Authorization: Bearer <CODEC_SERVER_AUTH_TOKEN>' });
  });
  app.use(express.json({ limit: BODY_LIMIT }));

  const handler = (direction: 'encode' | 'decode') => async (req: Request, res: Response) => {
    const parsed = CodecRequest.safeParse(req.body);
    if (!parsed.success) {
      const hint = req.is('application/json') ? '' : ' (send Content-Type: application/json)';
      res.status(400).json({ error: describeIssues(parsed.error) + hint });
      return;
    }
    try {
      const payloads = parsed.data.payloads.map(fromJson);
      const out = direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      res.json({ payloads: out.map(toJson) });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ reason, direction, namespace: req.header('x-namespace') }, 'codec request failed');
      // The protocol answers codec errors with 400 too.
      res.status(400).json({ error: `cannot ${direction}: ${reason}` });
    }
  };
  // The protocol routes on the last path segment only, so `/{namespace}/decode` works as well.
  app.post(/\/encode$/, handler('encode'));
  app.post(/\/decode$/, handler('decode'));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found: POST /encode or /decode' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const bodyError = BodyParserError.safeParse(err);
    if (bodyError.success && bodyError.data.status >= 400 && bodyError.data.status < 500) {
      res.status(bodyError.data.status).json({ error: `${bodyError.data.type}: ${bodyError.data.message}` });
      return;
    }
    logger.error({ err }, 'codec server error');
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}

export interface RunningCodecServer {
  url: string;
  port: number;
  close: () => Promise<void>;
}

export async function startCodecServer(
  opts: CodecServerOptions & { host: string; port: number },
): Promise<RunningCodecServer> {
  const server = createCodecServerApp(opts).listen(opts.port, opts.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
