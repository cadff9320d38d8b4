/**
 * The control plane is locked (issue #11): the cluster's frontend requires a client certificate from the client
 * CA and a JWT the server's default authorizer accepts, and each process holds its own credential. Runs only
 * against the mTLS cluster (`TEMPORAL_TARGET=cluster npx vitest run test/cluster/control-plane-auth.test.ts`).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterControl } from '../../harness/cluster/control';
import {
  INTERNODE_SERVER_NAME,
  connectionOptionsFor,
  readTemporalCredentials,
  signJwt,
  type TemporalCredentials,
} from '../../harness/certs';
import type { LocalStack } from '../../harness/local-stack';
import { PayoutsClient } from '../../client/payouts';
import { payoutWorkflowId } from '../../policy/payout-request';
import {
  accountRequest,
  FAST_SETTINGS,
  startTestStack,
  TEST_CODEC_KEYS,
  uniquePayoutId,
  waitFor,
} from '../helpers/stack';
import { clusterCertsDir } from '../helpers/temporal-credentials';

const ROOT = path.resolve(__dirname, '../..');
const address = inject('temporalAddress');
const certsDir = clusterCertsDir();
if (!certsDir) throw new Error('this suite needs the mTLS cluster: TEMPORAL_TARGET=cluster');
const creds: TemporalCredentials = readTemporalCredentials(certsDir);
const options = (name: Parameters<typeof connectionOptionsFor>[1]) =>
  connectionOptionsFor(creds, name, address);

const grpcStatus = { PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 } as const;

/** gRPC PERMISSION_DENIED (7) or UNAUTHENTICATED (16), wherever the SDK put it in the error chain. */
function deniedCode(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === grpcStatus.PERMISSION_DENIED || e.code === grpcStatus.UNAUTHENTICATED) return e.code;
  }
  return undefined;
}
async function expectDenied(call: () => Promise<unknown>, what: string): Promise<void> {
  const outcome = await call().then(
    () => 'allowed',
    (err: unknown) => err,
  );
  expect(outcome, `${what} must be refused`).not.toBe('allowed');
  expect(deniedCode(outcome), `${what}: ${String(outcome)}`).toBe(grpcStatus.PERMISSION_DENIED);
}

/** Connects and makes one namespace-scoped read; resolves to 'ok' or the error. */
async function tryList(opts: ConnectionOptions): Promise<unknown> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...opts, connectTimeout: 3_000 });
    await connection.workflowService.listWorkflowExecutions({ namespace: 'default', pageSize: 1 });
    return 'ok';
  } catch (err) {
    return err;
  } finally {
    await connection?.close();
  }
}

const withToken = (token: string | undefined): ConnectionOptions => {
  const { tls } = options('worker');
  return { address, tls, ...(token === undefined ? {} : { apiKey: token }) };
};
const signingKey = readFileSync(creds.jwtSigningKey, 'utf8');

/**
 * `npm run payout -- …` as an operator would run it: TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE, nothing else.
 * Asynchronous: this process runs the stack's worker, which must keep answering the CLI's queries.
 */
function payoutCli(
  profile: string,
  args: string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'client/cli.ts'), ...args],
      {
        cwd: ROOT,
        env: {
          ...env,
          TEMPORAL_CONFIG_FILE: creds.profiles,
          TEMPORAL_PROFILE: profile,
          TEMPORAL_ADDRESS: address,
          PAYLOAD_CODEC_KEYS: TEST_CODEC_KEYS,
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
}

describe('who may reach the frontend', () => {
  it('a plaintext client is refused', async () => {
    expect(await tryList({ address })).not.toBe('ok');
  });

  it('a TLS client without a certificate is refused, even with a valid token', async () => {
    const { tls, apiKey } = options('admin');
    const noCert = {
      serverNameOverride: tls.serverNameOverride,
      serverRootCACertificate: tls.serverRootCACertificate,
    };
    expect(await tryList({ address, tls: noCert, apiKey })).not.toBe('ok');
  });

  it('the internode certificate (server CA) is not a client certificate at the frontend', async () => {
    const { tls, apiKey } = options('admin');
    const internode = {
      ...tls,
      clientCertPair: { crt: readFileSync(creds.internode.cert), key: readFileSync(creds.internode.key) },
    };
    expect(await tryList({ address, tls: internode, apiKey })).not.toBe('ok');
  });

  it('no client certificate reaches the internal frontend (which trusts its callers as the system): only the internode one', async () => {
    const { ports } = await clusterControl(inject('clusterControlUrl')).status();
    const internal = `127.0.0.1:${ports.internalFrontendGrpc}`;
    const { tls, apiKey } = options('admin');
    const internodeTls = { ...tls, serverNameOverride: INTERNODE_SERVER_NAME };
    for (const name of ['admin', 'worker', 'operator-write'] as const) {
      const { clientCertPair } = options(name).tls;
      expect(
        await tryList({ address: internal, tls: { ...internodeTls, clientCertPair }, apiKey }),
        name,
      ).not.toBe('ok');
    }
    // the port is the right one: the services' own certificate gets in
    const internodePair = { crt: readFileSync(creds.internode.cert), key: readFileSync(creds.internode.key) };
    expect(
      await tryList({ address: internal, tls: { ...internodeTls, clientCertPair: internodePair } }),
    ).toBe('ok');
  });

  it('a valid certificate with no token, a token signed by another key, an expired token or one for another namespace: permission denied', async () => {
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases: Record<string, string | undefined> = {
      'no token': undefined,
      'not a JWT': 'not-a-jwt',
      'another key, same kid': signJwt(foreign, creds.jwtKeyId, {
        sub: 'mallory',
        permissions: ['default:admin'],
      }),
      expired: signJwt(signingKey, creds.jwtKeyId, {
        sub: 'worker',
        permissions: ['default:write'],
        expiresInSeconds: -60,
      }),
      'another namespace': signJwt(signingKey, creds.jwtKeyId, { sub: 'x', permissions: ['other:admin'] }),
      'worker role alone': signJwt(signingKey, creds.jwtKeyId, { sub: 'x', permissions: ['default:worker'] }),
    };
    for (const [what, token] of Object.entries(cases)) {
      const outcome = await tryList(withToken(token));
      expect(outcome, what).not.toBe('ok');
      expect(deniedCode(outcome), `${what}: ${String(outcome)}`).toBe(grpcStatus.PERMISSION_DENIED);
    }
    // and the same certificate with its own token is let in: the refusals above are the token's
    expect(await tryList(options('worker'))).toBe('ok');
  });
});

describe('distinct credentials per process', () => {
  let stack: LocalStack;
  let readConnection: Connection;
  let writeConnection: Connection;
  let reader: PayoutsClient;
  let writer: PayoutsClient;
  beforeAll(async () => {
    // backend, gateway and worker each connect with their own certificate and token (test/helpers/stack.ts)
    // The approval test spawns the payout CLI three times while the payout waits: FAST_SETTINGS' 2 s approval
    // window ran out first on a loaded machine (the payout was `cancelled` by its timeout before `status`).
    stack = await startTestStack({
      settings: { ...FAST_SETTINGS, timeouts: { ...FAST_SETTINGS.timeouts, approvalTimeoutMs: 120_000 } },
    });
    expect(stack.temporalCredentials?.worker?.apiKey).toBe(
      readFileSync(creds.clients.worker.token, 'utf8').trim(),
    );
    readConnection = await Connection.connect(options('operator-read'));
    writeConnection = await Connection.connect(options('operator-write'));
    const client = (connection: Connection) =>
      new PayoutsClient({
        client: new Client({
          connection,
          namespace: 'default',
          dataConverter: stack.client.options.dataConverter,
        }),
        taskQueue: stack.temporal.taskQueue,
        policy: stack.settings.policy,
      });
    reader = client(readConnection);
    writer = client(writeConnection);
  });
  afterAll(async () => {
    await readConnection?.close();
    await writeConnection?.close();
    await stack?.stop();
  });

  it('a payout runs end to end over mTLS: backend starts it, the worker polls and runs it, the gateway signals it', async () => {
    const payoutId = uniquePayoutId('mtls');
    await stack.payouts.startPayout(accountRequest(payoutId));
    const result = await stack.payouts.result(payoutId);
    expect(result.outcome).toBe('succeeded');
    const ledger = stack.simulator.ledger.summaryFor(payoutWorkflowId(payoutId));
    expect(ledger).toMatchObject({ initsProcessed: 1, confirmsProcessed: 1 });
    // the webhooks reached the workflow through the gateway's own connection
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(state.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['webhook:ready_to_confirm', 'webhook:payment_finished']),
    );
  });

  it('operator-read lists, describes and queries, but cannot start, signal or approve (SDK and CLI); operator-write approves', async () => {
    const payoutId = uniquePayoutId('mtls-approval');
    const amount = stack.settings.policy.approvalThreshold + 100;
    await stack.payouts.startPayout(accountRequest(payoutId, amount));
    const waiting = await waitFor(
      async () => {
        const view = await reader.getPayout(payoutId); // describe + query with the read credential
        return view.state.step === 'awaiting_approval' ? view : undefined;
      },
      'the payout to wait for approval',
      30_000,
    );
    expect(waiting.workflowStatus).toBe('RUNNING');
    const readClient = new Client({
      connection: readConnection,
      namespace: 'default',
      dataConverter: stack.client.options.dataConverter,
    });
    const listed: string[] = [];
    for await (const w of readClient.workflow.list({ query: `WorkflowId = '${payoutWorkflowId(payoutId)}'` }))
      listed.push(w.workflowId);
    expect(listed).toEqual([payoutWorkflowId(payoutId)]);

    await expectDenied(
      () => reader.asOperator('eve').approve(payoutId, { comment: 'read-only' }),
      'approve Update',
    );
    await expectDenied(
      () => readClient.workflow.getHandle(payoutWorkflowId(payoutId)).signal('bank131Webhook', {}),
      'signal',
    );
    await expectDenied(
      () => reader.startPayout(accountRequest(uniquePayoutId('mtls-read-start'))),
      'start a payout',
    );
    await expectDenied(
      () => readClient.workflow.getHandle(payoutWorkflowId(payoutId)).terminate('read-only'),
      'terminate',
    );
    // nothing moved: still waiting for an operator
    expect((await reader.getPayout(payoutId)).state.step).toBe('awaiting_approval');

    // The payout CLI, configured only by Temporal's environment configuration (a profile per operator role)
    const asRead = await payoutCli('operator-read', ['status', payoutId, '--json']);
    expect(asRead.status, asRead.stderr).toBe(0);
    expect((JSON.parse(asRead.stdout) as { state: { step: string } }).state.step).toBe('awaiting_approval');
    // The operator is the credential's JWT `sub` (no PAYOUT_OPERATOR_ID set): `--by` is refused by the CLI.
    const refused = await payoutCli('operator-read', ['approve', payoutId]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/unauthorized|permission/i);
    expect((await reader.getPayout(payoutId)).state.step).toBe('awaiting_approval');

    const approved = await payoutCli('operator-write', ['approve', payoutId]);
    expect(approved.status, approved.stderr).toBe(0);
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    // and the SDK with the write credential is let in too (the payout is finished: refused as such, not denied)
    const late = await writer
      .asOperator('bob')
      .approve(payoutId)
      .catch((err: unknown) => err);
    expect(deniedCode(late)).toBeUndefined();
  });
});
