/**
 * Credentials for a Temporal control plane with mTLS and authorization (`npm run certs`, the cluster harness):
 *   - two CAs: `server-ca` signs what the servers present (the frontend's certificate and the internode identity
 *     the services use between themselves); `client-ca` signs the per-process client certificates. The frontend
 *     accepts client-ca certificates only, the internode port (history, matching, internal-frontend) the
 *     server-ca one only, so a worker's certificate can never reach the internal frontend, which trusts its
 *     callers as system admin.
 *   - one client certificate and one JWT per process (worker, gateway, backend, operator-read, operator-write,
 *     admin for the setup one-shots), the JWT signed with an RSA key generated here and published as a JWKS
 *     the server's default claim mapper reads (`global.authorization.jwtKeyProvider.keySourceURIs`).
 *   - `temporal.toml`: one Temporal environment-configuration profile per process (TEMPORAL_PROFILE=<name>).
 * Certificates are made with openssl (Node's crypto cannot issue X.509); keys are EC P-256. Everything lands in
 * one git-ignored folder; an existing CA is reused so adding a credential does not invalidate the others.
 */
import { spawnSync } from 'node:child_process';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config/local-demo';

/** `npm run certs` writes here by default; docker-compose.yml mounts it (git- and docker-ignored). */
export const DEFAULT_CERTS_DIR = path.join(PROJECT_ROOT, 'secrets', 'temporal');

/** Where docker-compose.yml mounts the folder in every container that talks to Temporal. */
export const COMPOSE_CERTS_MOUNT = '/run/temporal-creds';

/** The name clients verify the frontend's certificate against (TEMPORAL_TLS_SERVER_NAME): compose's service name. */
export const FRONTEND_SERVER_NAME = 'temporal';
/** The name the services verify each other's internode certificate against. */
export const INTERNODE_SERVER_NAME = 'internode.temporal';

/**
 * Who holds which credential, and the permissions its JWT carries. The server's default authorizer knows four
 * roles per namespace (read < write < admin, and `worker`, which on its own passes no check: the authorizer
 * compares `role >= required`, and worker is the lowest bit). Polling a task queue, signalling, starting and
 * sending an Update all need `write`, so the worker and the gateway hold `write` on their namespace: the model
 * has no signal-only role. They still hold distinct certificates and tokens, so each can be revoked alone.
 */
export const CREDENTIALS = {
  worker: {
    permissions: (ns: string) => [`${ns}:write`],
    purpose: 'payout worker: polls and completes tasks',
  },
  gateway: { permissions: (ns: string) => [`${ns}:write`], purpose: 'webhook gateway: signals payouts' },
  backend: { permissions: (ns: string) => [`${ns}:write`], purpose: 'backend service: starts payouts' },
  // Operators also read the cluster (temporal-system:read): the Temporal UI lists namespaces and reads the
  // cluster's info, and the authorizer checks those cluster-scoped calls against the system role only. A
  // system role reads every namespace of this cluster, which holds only the payout namespace; it writes none.
  'operator-read': {
    permissions: (ns: string) => [`${ns}:read`, 'temporal-system:read'],
    purpose: 'operators: list, describe, query (the Temporal UI by default)',
  },
  'operator-write': {
    permissions: (ns: string) => [`${ns}:write`, 'temporal-system:read'],
    purpose: 'operators: approve, reject, cancel (the Temporal UI with --ui-profile operator-write)',
  },
  admin: {
    permissions: () => ['temporal-system:admin'],
    purpose: 'setup one-shots: create the namespace and search attributes',
  },
} as const satisfies Record<string, { permissions: (ns: string) => string[]; purpose: string }>;
export type CredentialName = keyof typeof CREDENTIALS;
export const CREDENTIAL_NAMES = Object.keys(CREDENTIALS) as CredentialName[];

export interface CredentialFiles {
  cert: string;
  key: string;
  /** File holding the JWT (TEMPORAL_API_KEY). */
  token: string;
}

export interface TemporalCredentials {
  dir: string;
  /** Clients verify the frontend with this (TEMPORAL_TLS_SERVER_CA_CERT_PATH); the services each other. */
  serverCa: string;
  /** The frontend accepts client certificates signed by this CA only. */
  clientCa: string;
  frontend: { cert: string; key: string };
  internode: { cert: string; key: string };
  /** Public keys of the JWT signer, as the server's key provider reads them. */
  jwks: string;
  jwtSigningKey: string;
  jwtKeyId: string;
  /** Temporal environment configuration: one profile per credential. */
  profiles: string;
  clients: Record<CredentialName, CredentialFiles>;
}

export interface GenerateOptions {
  dir?: string;
  /** The namespace the tokens grant access to. */
  namespace?: string;
  /** The frontend address written into the TOML profiles. */
  address?: string;
  /** Extra DNS names for the frontend certificate (another host name a client uses). */
  extraServerNames?: string[];
  /** Validity of certificates and tokens. */
  days?: number;
  /** Replace everything, CAs included. */
  force?: boolean;
  /** Issue certificates and tokens again even when they exist (`npm run certs` does; the cluster reuses them). */
  reissue?: boolean;
  log?: (line: string) => void;
}

const OPENSSL = process.env.OPENSSL_PATH ?? 'openssl';

function openssl(args: string[], what: string): void {
  const r = spawnSync(OPENSSL, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${what}: cannot run ${OPENSSL} (${r.error.message}); install openssl`);
  if (r.status !== 0) throw new Error(`${what}: openssl ${args[0]} failed: ${r.stderr}`);
}

function privateFile(file: string): void {
  chmodSync(file, 0o600);
}

function makeCa(dir: string, name: string, days: number): { cert: string; key: string; created: boolean } {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  if (existsSync(cert) && existsSync(key)) return { cert, key, created: false };
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(days),
      '-subj',
      `/O=bank131-payouts/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    `CA ${name}`,
  );
  privateFile(key);
  return { cert, key, created: true };
}

function makeLeaf(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  opts: {
    days: number;
    usages: ('serverAuth' | 'clientAuth')[];
    dns?: string[];
    ips?: string[];
    reissue: boolean;
  },
): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  if (!opts.reissue && existsSync(cert) && existsSync(key)) return { cert, key };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const san = [...(opts.dns ?? []).map((d) => `DNS:${d}`), ...(opts.ips ?? []).map((i) => `IP:${i}`)];
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${opts.usages.join(',')}`,
      ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
    ].join('\n') + '\n',
  );
  try {
    openssl(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        `/O=bank131-payouts/CN=${name}`,
      ],
      `key for ${name}`,
    );
    privateFile(key);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.cert,
        '-CAkey',
        ca.key,
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-days',
        String(opts.days),
        '-sha256',
        '-extfile',
        ext,
        '-out',
        cert,
      ],
      `certificate for ${name}`,
    );
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  return { cert, key };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** An RS256 JWT as the server's default claim mapper reads it: `sub`, the permissions claim, `exp`. */
export function signJwt(
  signingKey: KeyObject | string,
  keyId: string,
  claims: { sub: string; permissions: string[]; expiresInSeconds?: number; [extra: string]: unknown },
): string {
  const { expiresInSeconds = 3600, ...rest } = claims;
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: keyId }));
  const payload = b64url(
    JSON.stringify({ iss: 'bank131-payouts', iat: now, exp: now + expiresInSeconds, ...rest }),
  );
  const key = typeof signingKey === 'string' ? createPrivateKey(signingKey) : signingKey;
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${b64url(signature)}`;
}

function tomlString(value: string): string {
  return JSON.stringify(value); // TOML basic strings share JSON's escapes for what we write
}

/** One `[profile.<name>]` per credential; `pathFor` maps a file to where the reader sees it (a compose mount). */
export function profilesToml(
  creds: Pick<TemporalCredentials, 'serverCa' | 'clients'>,
  opts: { address: string; namespace: string; pathFor?: (file: string) => string },
): string {
  const p = opts.pathFor ?? ((f: string) => f);
  const lines = [
    '# Temporal environment configuration (TEMPORAL_CONFIG_FILE=<this file>, TEMPORAL_PROFILE=<name>),',
    '# written by `npm run certs`. TEMPORAL_ADDRESS and the other TEMPORAL_* variables override a profile.',
  ];
  for (const name of CREDENTIAL_NAMES) {
    const c = creds.clients[name];
    lines.push(
      '',
      `# ${CREDENTIALS[name].purpose}`,
      `[profile.${tomlString(name)}]`,
      `address = ${tomlString(opts.address)}`,
      `namespace = ${tomlString(opts.namespace)}`,
      `api_key = ${tomlString(readFileSync(c.token, 'utf8').trim())}`,
      '',
      `[profile.${tomlString(name)}.tls]`,
      `server_name = ${tomlString(FRONTEND_SERVER_NAME)}`,
      `server_ca_cert_path = ${tomlString(p(creds.serverCa))}`,
      `client_cert_path = ${tomlString(p(c.cert))}`,
      `client_key_path = ${tomlString(p(c.key))}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Creates (or completes) the credentials folder; returns where everything is. */
export function generateTemporalCredentials(opts: GenerateOptions = {}): TemporalCredentials {
  const dir = path.resolve(opts.dir ?? DEFAULT_CERTS_DIR);
  const days = opts.days ?? 90;
  let reissue = opts.reissue ?? false;
  const namespace = opts.namespace ?? 'default';
  const log = opts.log ?? (() => undefined);
  if (opts.force) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const serverCa = makeCa(dir, 'server-ca', days * 4);
  const clientCa = makeCa(dir, 'client-ca', days * 4);
  // Certificates left from an earlier CA would not verify against a new one.
  if (serverCa.created || clientCa.created) reissue = true;
  const serverDns = ['localhost', FRONTEND_SERVER_NAME, ...(opts.extraServerNames ?? [])];
  const ips = ['127.0.0.1', '::1'];
  log(`[certs] ${dir}: frontend and internode certificates (server-ca)`);
  const frontend = makeLeaf(dir, 'frontend', serverCa, {
    days,
    usages: ['serverAuth'],
    dns: serverDns,
    ips,
    reissue,
  });
  // The internode identity is both: each service serves it and presents it when calling the others.
  const internode = makeLeaf(dir, 'internode', serverCa, {
    days,
    usages: ['serverAuth', 'clientAuth'],
    dns: [INTERNODE_SERVER_NAME, ...serverDns],
    ips,
    reissue,
  });

  const jwtSigningKey = path.join(dir, 'jwt-signing.key');
  const jwks = path.join(dir, 'jwks.json');
  if (!existsSync(jwtSigningKey) || !existsSync(jwks)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(jwtSigningKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const kid = `bank131-payouts-${randomBytes(6).toString('hex')}`;
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    writeFileSync(jwks, JSON.stringify({ keys: [jwk] }, null, 2) + '\n');
  }
  const jwtKeyId = (JSON.parse(readFileSync(jwks, 'utf8')) as { keys: { kid: string }[] }).keys[0]!.kid;
  const signingKey = createPrivateKey(readFileSync(jwtSigningKey));
  // The JWKS must match the key we sign with (a half-written folder from an interrupted run would not).
  const published = createPublicKey({
    key: (JSON.parse(readFileSync(jwks, 'utf8')) as { keys: object[] }).keys[0] as never,
    format: 'jwk',
  });
  if (!published.equals(createPublicKey(signingKey)))
    throw new Error(`${jwks} does not match ${jwtSigningKey}: run with --force to start over`);

  log(`[certs] client certificates and tokens (client-ca): ${CREDENTIAL_NAMES.join(', ')}`);
  const clients = {} as Record<CredentialName, CredentialFiles>;
  for (const name of CREDENTIAL_NAMES) {
    const pair = makeLeaf(dir, name, clientCa, { days, usages: ['clientAuth'], reissue });
    const token = path.join(dir, `${name}.jwt`);
    clients[name] = { ...pair, token };
    if (!reissue && existsSync(token)) continue;
    writeFileSync(
      token,
      signJwt(signingKey, jwtKeyId, {
        sub: name,
        permissions: CREDENTIALS[name].permissions(namespace),
        expiresInSeconds: days * 86_400,
      }) + '\n',
      { mode: 0o600 },
    );
  }
  const profiles = path.join(dir, 'temporal.toml');
  const creds: TemporalCredentials = {
    dir,
    serverCa: serverCa.cert,
    clientCa: clientCa.cert,
    frontend,
    internode,
    jwks,
    jwtSigningKey,
    jwtKeyId,
    profiles,
    clients,
  };
  writeFileSync(profiles, profilesToml(creds, { address: opts.address ?? '127.0.0.1:7233', namespace }), {
    mode: 0o600,
  });
  // The same profiles as the containers of docker-compose.yml see them (this folder mounted read-only).
  writeFileSync(
    path.join(dir, 'compose.toml'),
    profilesToml(creds, {
      address: `${FRONTEND_SERVER_NAME}:7233`,
      namespace,
      pathFor: (f) => path.posix.join(COMPOSE_CERTS_MOUNT, path.basename(f)),
    }),
    { mode: 0o600 },
  );
  return creds;
}

/** What the TS SDK's connection needs for one credential, read from the folder (tests, the harness). */
export function connectionOptionsFor(
  creds: TemporalCredentials,
  name: CredentialName,
  address: string,
): {
  address: string;
  apiKey: string;
  tls: {
    serverNameOverride: string;
    serverRootCACertificate: Buffer;
    clientCertPair: { crt: Buffer; key: Buffer };
  };
} {
  const c = creds.clients[name];
  return {
    address,
    apiKey: readFileSync(c.token, 'utf8').trim(),
    tls: {
      serverNameOverride: FRONTEND_SERVER_NAME,
      serverRootCACertificate: readFileSync(creds.serverCa),
      clientCertPair: { crt: readFileSync(c.cert), key: readFileSync(c.key) },
    },
  };
}

/** An existing credentials folder (from `generateTemporalCredentials`), without writing anything. */
export function readTemporalCredentials(dirArg: string): TemporalCredentials {
  const dir = path.resolve(dirArg);
  const f = (name: string) => path.join(dir, name);
  const jwks = f('jwks.json');
  if (!existsSync(jwks))
    throw new Error(`${dir} holds no credentials: run \`npm run certs -- --dir ${dir}\``);
  const clients = Object.fromEntries(
    CREDENTIAL_NAMES.map((n) => [n, { cert: f(`${n}.pem`), key: f(`${n}.key`), token: f(`${n}.jwt`) }]),
  ) as Record<CredentialName, CredentialFiles>;
  return {
    dir,
    serverCa: f('server-ca.pem'),
    clientCa: f('client-ca.pem'),
    frontend: { cert: f('frontend.pem'), key: f('frontend.key') },
    internode: { cert: f('internode.pem'), key: f('internode.key') },
    jwks,
    jwtSigningKey: f('jwt-signing.key'),
    jwtKeyId: (JSON.parse(readFileSync(jwks, 'utf8')) as { keys: { kid: string }[] }).keys[0]!.kid,
    profiles: f('temporal.toml'),
    clients,
  };
}

/** Per-process TLS and token for the local stack (backend, gateway, worker), from a credentials folder. */
export function stackCredentialsFrom(creds: TemporalCredentials) {
  const pick = (name: CredentialName) => {
    const { tls, apiKey } = connectionOptionsFor(creds, name, '');
    return { tls, apiKey };
  };
  return { backend: pick('backend'), gateway: pick('gateway'), worker: pick('worker') };
}
