/**
 * Every timer the simulator starts, in one place, so close() can stop them all: a closed simulator must not
 * keep the process alive or fire webhooks into the next test.
 */
export class TimerRegistry {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `fn` after `ms` unless cancelled or closed first; returns the cancel function. */
  after(ms: number, fn: () => void): () => void {
    if (this.closed) return () => undefined;
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, ms);
    this.pending.set(timer, () => undefined);
    return () => {
      clearTimeout(timer);
      this.pending.delete(timer);
    };
  }

  /** Resolves after `ms`, or at once when the registry closes (callers check `isClosed` afterwards). */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  close(): void {
    this.closed = true;
    for (const [timer, wake] of this.pending) {
      clearTimeout(timer);
      wake();
    }
    this.pending.clear();
  }
}
