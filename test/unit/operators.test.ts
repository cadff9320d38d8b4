import { describe, expect, it } from 'vitest';
import { ConfigError, loadOperatorIdentity, loadPayoutSettings } from '../../config';
import { credentialSubject } from '../../config/operator';
import { fourEyesRefusal, operatorIdentityProblem, sameOperator } from '../../policy/operators';

describe('operatorIdentityProblem', () => {
  it('refuses a missing, blank, oversized or control-character identity', () => {
    for (const bad of [undefined, null, 42, '', '   ', 'a'.repeat(201), 'alice\n', 'bob\u0007']) {
      expect(operatorIdentityProblem(bad)).toBeDefined();
    }
    expect(operatorIdentityProblem(undefined)).toMatch(/operator must be identified/);
  });
  it('accepts names, emails and certificate subjects', () => {
    for (const ok of ['alice', 'bob@bank.example', 'CN=ops-carol,O=Example', 'Иванов И.И.']) {
      expect(operatorIdentityProblem(ok)).toBeUndefined();
    }
  });
});

describe('fourEyesRefusal', () => {
  it('refuses the starter, in any case and with stray spaces', () => {
    expect(fourEyesRefusal('alice', 'alice', true)).toMatch(/four-eyes rule: alice started this payout/);
    expect(fourEyesRefusal('Alice', ' alice ', true)).toBeDefined();
    expect(sameOperator('Alice', 'alice ')).toBe(true);
  });
  it('lets another operator approve', () => {
    expect(fourEyesRefusal('alice', 'bob', true)).toBeUndefined();
  });
  it('is off when configured off, and cannot apply without a recorded starter', () => {
    expect(fourEyesRefusal('alice', 'alice', false)).toBeUndefined();
    expect(fourEyesRefusal(undefined, 'alice', true)).toBeUndefined();
  });
});

describe('configuration', () => {
  it('reads the identity from PAYOUT_OPERATOR_ID, trimmed; unset means none', () => {
    expect(loadOperatorIdentity({ PAYOUT_OPERATOR_ID: ' alice ' })).toBe('alice');
    expect(loadOperatorIdentity({})).toBeUndefined();
    expect(() => loadOperatorIdentity({ PAYOUT_OPERATOR_ID: '   ' })).toThrow(ConfigError);
  });
  it("takes the Temporal credential's subject when no identity is set, and refuses a mismatch", () => {
    const jwt = (claims: object) =>
      ['e30', Buffer.from(JSON.stringify(claims)).toString('base64url'), 'sig'].join('.');
    expect(credentialSubject(jwt({ sub: 'carol@ops' }))).toBe('carol@ops');
    expect(credentialSubject('not-a-jwt')).toBeUndefined();
    expect(credentialSubject(jwt({ iss: 'x' }))).toBeUndefined();
    expect(loadOperatorIdentity({ TEMPORAL_API_KEY: jwt({ sub: 'carol@ops' }) })).toBe('carol@ops');
    expect(
      loadOperatorIdentity({ TEMPORAL_API_KEY: jwt({ sub: 'carol@ops' }), PAYOUT_OPERATOR_ID: 'Carol@ops' }),
    ).toBe('Carol@ops');
    expect(() =>
      loadOperatorIdentity({ TEMPORAL_API_KEY: jwt({ sub: 'carol@ops' }), PAYOUT_OPERATOR_ID: 'mallory' }),
    ).toThrow(/PAYOUT_OPERATOR_ID \(mallory\) is not the subject of TEMPORAL_API_KEY \(carol@ops\)/);
    // The key the client really connects with (a TOML profile's api_key) counts, not only the variable.
    expect(loadOperatorIdentity({}, jwt({ sub: 'dave@ops' }))).toBe('dave@ops');
    expect(() => loadOperatorIdentity({ PAYOUT_OPERATOR_ID: 'mallory' }, jwt({ sub: 'dave@ops' }))).toThrow(
      /not the subject/,
    );
    // An opaque API key names nobody: the configured identity stands.
    expect(loadOperatorIdentity({ TEMPORAL_API_KEY: 'opaque-key', PAYOUT_OPERATOR_ID: 'alice' })).toBe(
      'alice',
    );
  });

  it('the four-eyes rule is on by default and can be turned off', () => {
    expect(loadPayoutSettings({}).policy.fourEyes).toBe(true);
    expect(loadPayoutSettings({ PAYOUT_FOUR_EYES: 'false' }).policy.fourEyes).toBe(false);
  });
});
