/**
 * `npm run certs`: a CA pair and per-process certificates, JWTs and Temporal profiles for the control plane
 * (harness/certs.ts), in secrets/temporal/ (git-ignored) unless --dir says otherwise. Re-running keeps the CAs
 * and the JWT signing key and reissues the rest; --force starts over.
 */
import path from 'node:path';
import {
  CREDENTIAL_NAMES,
  CREDENTIALS,
  DEFAULT_CERTS_DIR,
  generateTemporalCredentials,
} from '../harness/certs';
import { PROJECT_ROOT } from '../config/local-demo';

const HELP = `usage: npm run certs [-- --dir DIR] [--namespace NS] [--address HOST:PORT] [--server-name NAME]... [--days N] [--force]
  --dir DIR           where to write (default secrets/temporal)
  --namespace NS      the namespace the tokens grant (default: TEMPORAL_NAMESPACE or default)
  --address HOST:PORT the frontend address written into temporal.toml (default 127.0.0.1:7233)
  --server-name NAME  another DNS name for the frontend certificate (repeatable)
  --days N            validity of certificates and tokens (default 90)
  --force             replace everything, the CAs and the JWT signing key included`;

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const extraServerNames = args.flatMap((a, i) =>
    a === '--server-name' && args[i + 1] ? [args[i + 1]!] : [],
  );
  const days = value('--days') ? Number(value('--days')) : undefined;
  if (days !== undefined && !(Number.isInteger(days) && days > 0))
    throw new Error('--days must be a positive integer');
  const creds = generateTemporalCredentials({
    dir: value('--dir') ?? DEFAULT_CERTS_DIR,
    namespace: value('--namespace') ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
    address: value('--address'),
    extraServerNames,
    days,
    force: args.includes('--force'),
    reissue: true,
    log: (l) => process.stderr.write(l + '\n'),
  });
  const rel = (p: string) => path.relative(PROJECT_ROOT, p) || p;
  process.stdout.write(
    [
      `Credentials in ${rel(creds.dir)}/ (keep it out of git; the *.key files and tokens are secrets):`,
      `  server-ca.pem   clients verify the frontend with it (TEMPORAL_TLS_SERVER_CA_CERT_PATH)`,
      `  client-ca.pem   the frontend accepts client certificates it signed`,
      `  frontend.*      the frontend's certificate; internode.* the services' own identity`,
      `  jwks.json       the JWT public key the server reads; jwt-signing.key signs the tokens`,
      ...CREDENTIAL_NAMES.map((n) => `  ${n.padEnd(15)} ${n}.pem/.key/.jwt  ${CREDENTIALS[n].purpose}`),
      `  temporal.toml   one profile per credential: TEMPORAL_CONFIG_FILE=${rel(creds.profiles)} TEMPORAL_PROFILE=worker`,
      `  compose.toml    the same profiles as docker-compose.yml's containers see them`,
      '',
    ].join('\n'),
  );
}

try {
  main();
} catch (err) {
  process.stderr.write(`[certs] error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
