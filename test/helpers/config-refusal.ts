/** What a configuration loader's refusal says: it must be a ConfigError, whose message names the variables. */
import { expect } from 'vitest';
import { ConfigError } from '../../config';

export function refusalOf(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}
