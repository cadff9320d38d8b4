import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../webhook-gateway/replay-guard';

const body = (s: string) => Buffer.from(s);

describe('ReplayGuard', () => {
  it('delivers the first copy of a body and answers later copies without delivering', async () => {
    const guard = new ReplayGuard({ windowMs: 1_000, maxEntries: 10 });
    let deliveries = 0;
    const deliver = () => Promise.resolve(`signalled-${++deliveries}`);
    expect(await guard.once(body('a'), deliver)).toEqual({ outcome: 'signalled-1', replay: false });
    expect(await guard.once(body('a'), deliver)).toEqual({ outcome: 'replayed_body', replay: true });
    expect(await guard.once(body('b'), deliver)).toEqual({ outcome: 'signalled-2', replay: false });
    expect(deliveries).toBe(2);
  });

  it('copies that arrive during the first delivery share its fate: one delivery, and a failure fails them all', async () => {
    const guard = new ReplayGuard({ windowMs: 1_000, maxEntries: 10 });
    let release!: (v: string) => void;
    let deliveries = 0;
    const first = guard.once(body('a'), () => {
      deliveries += 1;
      return new Promise<string>((r) => (release = r));
    });
    const copies = [
      guard.once(body('a'), () => Promise.resolve('x')),
      guard.once(body('a'), () => Promise.resolve('x')),
    ];
    release('signalled');
    expect(await first).toEqual({ outcome: 'signalled', replay: false });
    expect(await Promise.all(copies)).toEqual([
      { outcome: 'replayed_body', replay: true },
      { outcome: 'replayed_body', replay: true },
    ]);
    expect(deliveries).toBe(1);

    const failing = guard.once(body('c'), () => Promise.reject(new Error('temporal down')));
    const copy = guard.once(body('c'), () => Promise.resolve('x'));
    await expect(failing).rejects.toThrow('temporal down');
    await expect(copy).rejects.toThrow('temporal down');
    // Not remembered: the bank's retry is delivered.
    expect(await guard.once(body('c'), () => Promise.resolve('signalled'))).toEqual({
      outcome: 'signalled',
      replay: false,
    });
  });

  it('forgets a body after the window, and the oldest bodies beyond its size', async () => {
    let now = 0;
    const guard = new ReplayGuard({ windowMs: 100, maxEntries: 2, now: () => now });
    const deliver = () => Promise.resolve('signalled');
    await guard.once(body('a'), deliver);
    now = 150;
    expect((await guard.once(body('a'), deliver)).replay).toBe(false);
    await guard.once(body('b'), deliver);
    await guard.once(body('c'), deliver);
    expect(guard.size).toBe(2);
    expect((await guard.once(body('a'), deliver)).replay).toBe(false); // the oldest was forgotten
    expect((await guard.once(body('c'), deliver)).replay).toBe(true);
  });
});
