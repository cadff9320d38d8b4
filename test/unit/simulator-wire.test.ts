/**
 * The simulator models the bank on its own terms: its own account rules and masks, and every wire shape the
 * real API may use, so the client's parser meets the bank's variety instead of a copy of itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isPayableAccountNumber,
  isValidBik,
  MASK_FORMATS,
  maskAccountNumber,
} from '../../simulator/accounts';

const SIMULATOR_DIR = join(__dirname, '../../simulator');

describe('simulator independence', () => {
  it('imports nothing from the client but the signing primitives', () => {
    const offending: string[] = [];
    for (const file of readdirSync(SIMULATOR_DIR).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(SIMULATOR_DIR, file), 'utf8');
      for (const [, spec] of source.matchAll(/from\s+'([^']+)'/g)) {
        if (/^\.\.\/bank131(?!\/signature$)/.test(spec!)) offending.push(`${file}: ${spec}`);
        if (/^\.\.\/(activities|workflows|policy|webhook-gateway|client)(\/|$)/.test(spec!))
          offending.push(`${file}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('has its own account rules', () => {
    expect(isValidBik('049205131')).toBe(true);
    expect(isValidBik('04920513')).toBe(false);
    for (const prefix of ['40817810', '42301810', '42307810', '40802810', '40820810', '40702810'])
      expect(isPayableAccountNumber(`${prefix}099910004312`)).toBe(true);
    expect(isPayableAccountNumber('42308810099910004312')).toBe(false);
    expect(isPayableAccountNumber('40817810099910004312 ')).toBe(false);
  });

  it('masks an account in every format it knows', () => {
    const account = '40817810099910004312';
    expect(Object.fromEntries(MASK_FORMATS.map((f) => [f, maskAccountNumber(account, f)]))).toEqual({
      short: '40817***4312',
      full: '40817***********4312',
      six_four: '408178**********4312',
      x: '40817xxxxxxxxxxx4312',
      bullet: '40817•••4312',
      last4: '****4312',
    });
  });
});
