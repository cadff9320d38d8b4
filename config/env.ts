/**
 * What every process's configuration shares: reading the environment with zod (durations, ports, lists,
 * PEMs inline or from files), one error type, and how a loader declares what a deployment must set.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ms from 'ms';
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Variables a deployment must set, each a list of alternatives (one of them is enough). Declared next to
 * the schema that reads them; `REQUIRED_ENV` (config/index.ts) is built from these, and a test checks
 * docker-compose.yml against it.
 */
export type RequiredEnv = readonly (readonly string[])[];

export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = /^\d+$/.test(value) ? Number(value) : ms(value as ms.StringValue);
      if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `not a duration: "${value}" (use e.g. 500ms, 30s, 15m, 3h)`,
        });
        return z.NEVER;
      }
      return parsed;
    });
export const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

/** A secret given inline (`NAME`) or as a file (`NAME_FILE`): either satisfies a requirement. */
export const inlineOrFile = (name: string): string[] => [name, `${name}_FILE`];

/** The text of the file that `variable` names; unreadable, a ConfigError naming both. */
function readConfigFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${file} (${(err as Error).message})`);
  }
}

/**
 * The environment with each secret in `names` filled in from the file `NAME_FILE` names (a mounted secret; its
 * trailing newline dropped) where `NAME` itself is unset or empty, so a schema checks a file's value as it
 * checks the variable's. PEMs have their own readers (`requirePem`, `pemsFrom`).
 */
export function withSecretFiles(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const filled = { ...env };
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (env[name] || !file) continue;
    filled[name] = readConfigFile(`${name}_FILE`, file).trim();
  }
  return filled;
}

export type PemKind = 'private' | 'public';

const PRIVATE_KEY_PEM = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * `pem` when it is a key of `kind`; otherwise a ConfigError naming the variable (and the file it came from).
 * Checked at start, so a process never runs with a key it cannot use (a gateway would refuse every webhook),
 * and a public key's place never holds a private key (createPublicKey would derive one and hide it).
 */
function checkedPem(pem: string, kind: PemKind, variable: string, file?: string): string {
  const source = file ? `${variable}: ${file}` : `${variable}:`;
  if (kind === 'public' && PRIVATE_KEY_PEM.test(pem))
    throw new ConfigError(`${source} holds a private key: give the public key`);
  try {
    if (kind === 'private') createPrivateKey(pem);
    else createPublicKey(pem);
  } catch (err) {
    throw new ConfigError(`${source}${file ? ' is' : ''} not a PEM ${kind} key (${(err as Error).message})`);
  }
  return pem;
}

/** PEM from `NAME` (literal, `\n` escapes allowed) or from the file at `NAME_FILE`, checked to be a `kind` key. */
function pemFrom(env: NodeJS.ProcessEnv, name: string, kind: PemKind): string | undefined {
  const inline = env[name];
  if (inline) return checkedPem(inline.replace(/\\n/g, '\n'), kind, name);
  const variable = `${name}_FILE`;
  const file = env[variable];
  if (file) return checkedPem(readConfigFile(variable, file), kind, variable, file);
  return undefined;
}

export function requirePem(env: NodeJS.ProcessEnv, name: string, kind: PemKind, purpose: string): string {
  const pem = pemFrom(env, name, kind);
  if (!pem) throw new ConfigError(`missing ${name} (or ${name}_FILE): ${purpose}`);
  return pem;
}

/**
 * Several PEMs (key rotation), each checked to be a `kind` key: `NAME` holds PEMs back to back, `NAME_FILES`
 * a comma-separated list of paths.
 */
export function pemsFrom(env: NodeJS.ProcessEnv, name: string, kind: PemKind): string[] {
  const pems: string[] = [];
  const inline = env[name]?.replace(/\\n/g, '\n');
  if (inline) {
    const blocks = inline.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
    if (blocks.length === 0) throw new ConfigError(`${name}: no PEM key in it`);
    pems.push(...blocks.map((pem) => checkedPem(pem, kind, name)));
  }
  const variable = `${name}_FILES`;
  for (const file of (env[variable] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    pems.push(checkedPem(readConfigFile(variable, file), kind, variable, file));
  }
  return pems;
}

export function parse<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.output<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid ${what} configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const LogSchema = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export function loadLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return parse(LogSchema, env, 'logging').LOG_LEVEL;
}
