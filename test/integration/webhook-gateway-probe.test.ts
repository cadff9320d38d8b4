import { afterAll, beforeAll, it } from 'vitest';
import { generateKeyPairPem } from '../../bank131/signature';
import { startGatewayFixture, type GatewayFixture } from '../helpers/gateway-fixture';
import { postWebhook, readyWebhook, signed } from '../helpers/webhooks';

const bankKey = generateKeyPairPem();
let fixture: GatewayFixture;
beforeAll(async () => {
  fixture = await startGatewayFixture({ bankPublicKeysPem: [bankKey.publicKeyPem] });
});
afterAll(() => fixture?.stop());

it('probe', async () => {
  const cases: [string, unknown][] = [
    ['long session id', readyWebhook('s'.repeat(3000))],
    ['long metadata', readyWebhook('ps_1', 'payout-' + 'x'.repeat(3000))],
    ['weird session id', readyWebhook('a"b\\c\u0000\ud800')],
    ['metadata weird', readyWebhook('ps_2', 'payout-\ud800\u0000')],
    ['unknown type long sid', { ...readyWebhook('q'.repeat(1200)), type: 'x' }],
    ['empty metadata payout-', readyWebhook('ps_3', 'payout-')],
  ];
  for (const [name, body] of cases) {
    const { raw, signature } = signed(body, bankKey.privateKeyPem);
    const r = await postWebhook(fixture.webhookUrl, raw, signature);
    console.log(name, r.status, JSON.stringify(r.json).slice(0, 200));
  }
});
