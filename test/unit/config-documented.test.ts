/**
 * Every environment variable a process reads (config/ is the only place that reads them) is named in the
 * README, the user's manual, or for the simulator in docs/simulator.md, where the README sends its readers.
 * Both write sibling variables in short (`PAYOUT_RECONCILE_INITIAL_INTERVAL`, `…_MAX_INTERVAL`;
 * `BANK131_PRIVATE_KEY` / `_FILE`; `SIMULATOR_HOST`/`PORT`), so a short form after a full name on the same
 * line names the variables it can stand for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const NAME = String.raw`[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+`;

/** What config/ reads: schema keys, names given as strings (secrets, flags) and direct `env.NAME` reads. */
function variablesRead(): Set<string> {
  const found = new Set<string>();
  const configDir = path.join(ROOT, 'config');
  for (const file of readdirSync(configDir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(configDir, file), 'utf8');
    const patterns = [
      new RegExp(String.raw`^\s+(${NAME}):\s`, 'gm'),
      new RegExp(String.raw`'(${NAME})'`, 'g'),
      new RegExp(String.raw`\benv\.(${NAME})\b`, 'g'),
    ];
    for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.add(m[1]!);
  }
  return found;
}

/** The names a page documents, short forms expanded against the last full name before them on their line. */
function documentedNames(markdown: string): Set<string> {
  const names = new Set<string>();
  // A full name, or a short form: `…_TAIL`, `_TAIL` after a backtick or parenthesis, `/TAIL` after a slash.
  const token = new RegExp(
    String.raw`(?<short>…_|(?<=[\x60(])_)?(?<name>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)`,
    'g',
  );
  for (const line of markdown.split('\n')) {
    let last: string | undefined;
    for (const m of line.matchAll(token)) {
      const { short, name } = m.groups!;
      const isShort = short !== undefined || /\/\x60?$/.test(line.slice(0, m.index));
      if (!isShort) {
        if (new RegExp(`^${NAME}$`).test(name!) && !/[\w…]/.test(line[m.index - 1] ?? ' ')) {
          names.add(name!);
          last = name;
        }
        continue;
      }
      if (!last) continue;
      // Appended (`X` / `_FILE` is X_FILE) or replacing the last segments (`X_INITIAL` / `…_MAX`).
      const segments = last.split('_');
      names.add(`${last}_${name}`);
      for (let keep = 1; keep < segments.length; keep += 1)
        names.add(`${segments.slice(0, keep).join('_')}_${name}`);
    }
  }
  return names;
}

describe('configuration reference', () => {
  it('reads the short forms the pages use', () => {
    const names = documentedNames(
      [
        '| `PAYOUT_RECONCILE_INITIAL_INTERVAL`, `…_MAX_INTERVAL` | x |',
        '| `…_MAX_DURATION` with no full name before it on its line | x |',
        '| `BANK131_PRIVATE_KEY` / `_FILE` | x |',
        '`SIMULATOR_HOST`/`PORT` (8131), `SIMULATOR_WEBHOOK_RETRY_INITIAL` / `_MAX` / `_GIVE_UP`',
        '`SIMULATOR_PARTNER_PUBLIC_KEY(_FILE)`, and inside a word: xTEMPORAL_FOO_BAR',
      ].join('\n'),
    );
    for (const name of [
      'PAYOUT_RECONCILE_INITIAL_INTERVAL',
      'PAYOUT_RECONCILE_MAX_INTERVAL',
      'BANK131_PRIVATE_KEY_FILE',
      'SIMULATOR_PORT',
      'SIMULATOR_WEBHOOK_RETRY_GIVE_UP',
      'SIMULATOR_PARTNER_PUBLIC_KEY_FILE',
    ])
      expect(names, name).toContain(name);
    // A short form stands only for its own line's names; a name inside a longer word is none.
    expect(names).not.toContain('PAYOUT_RECONCILE_MAX_DURATION');
    expect(names).not.toContain('TEMPORAL_FOO_BAR');
  });

  it('names every variable the processes read, in the README or (the simulator) docs/simulator.md', () => {
    const read = variablesRead();
    // Sanity: the extraction sees the schemas and the names given as strings.
    for (const name of ['PAYOUT_APPROVAL_THRESHOLD', 'BANK131_PRIVATE_KEY', 'BACKEND_CALLBACK_SECRET'])
      expect(read, name).toContain(name);
    const documented = new Set([
      ...documentedNames(readFileSync(path.join(ROOT, 'README.md'), 'utf8')),
      ...documentedNames(readFileSync(path.join(ROOT, 'docs/simulator.md'), 'utf8')),
    ]);
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });
});
