/**
 * docker-compose.yml must stay in step with the config schema: every variable a process cannot start without
 * is set for its service, every variable the file reads is documented in .env.example, and the namespace
 * script registers every search attribute the code uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REQUIRED_ENV, type ProcessName } from '../../config';
import { SEARCH_ATTRIBUTE_CLI_ARGS } from '../../workflows/search-attributes';

const root = path.resolve(__dirname, '../..');
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, { environment?: Record<string, unknown> }>;
};
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');

describe('docker-compose.yml', () => {
  const services: ProcessName[] = ['worker', 'gateway', 'simulator', 'codec-server'];

  it.each(services)('sets every variable %s cannot start without', (service) => {
    const env = compose.services[service]?.environment ?? {};
    for (const alternatives of REQUIRED_ENV[service]) {
      expect(
        alternatives.some((name) => name in env),
        `${service} needs one of ${alternatives.join(' / ')}`,
      ).toBe(true);
    }
  });

  it('documents every variable it reads in .env.example', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    const documented = new Set([...envExample.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect([...used].filter((v) => !documented.has(v))).toEqual([]);
  });

  it('registers every custom search attribute the workflows use', () => {
    const script = readFileSync(path.join(root, 'deploy/temporal/create-namespace.sh'), 'utf8');
    for (const attribute of SEARCH_ATTRIBUTE_CLI_ARGS) expect(script).toContain(attribute);
    // and exactly those: the script's default list is what the compose one-shot registers
    const defaults = /ATTRIBUTES="\$\{SEARCH_ATTRIBUTES:-([^}]*)\}"/.exec(script)?.[1];
    expect(defaults?.split(' ')).toEqual(SEARCH_ATTRIBUTE_CLI_ARGS);
  });

  it('does not use the deprecated auto-setup image', () => {
    expect(composeText).not.toMatch(/auto-setup/);
  });
});
