/**
 * A process's live JavaScript heap, read from outside through its inspector: a full collection in every
 * isolate (the main thread and each worker thread, where the SDK runs workflows), then each one's heap in
 * use. RSS alone cannot tell a leak from a heap that has not yet been collected or has grown into its old
 * generation; the heap after a full collection can. Only for processes started with `INSPECT_ARGS`.
 */
import { WebSocket } from 'undici';

/** Node flags that open the inspector on a free loopback port (its address is printed on stderr). */
export const INSPECT_ARGS = ['--inspect=127.0.0.1:0'];

/** The inspector's address from a process's output, read once it has started. */
export function inspectorUrl(output: string): string {
  const match = /Debugger listening on (ws:\/\/\S+)/.exec(output);
  if (!match) throw new Error('no inspector address in the process output (started without --inspect?)');
  return match[1]!;
}

interface Reply {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

const HEAP_USED = { expression: 'process.memoryUsage().heapUsed', returnByValue: true };
const CALL_TIMEOUT_MS = 30_000;

/** MB of heap in use after a full collection, summed over the main thread and every worker thread. */
export async function heapAfterGcMb(url: string): Promise<{ totalMb: number; threads: number }> {
  const session = await InspectorSession.open(url);
  try {
    const workers = await session.workerSessions();
    let bytes = await heapOf((method, params) => session.call(method, params));
    for (const worker of workers)
      bytes += await heapOf((method, params) => session.callInWorker(worker, method, params));
    return { totalMb: bytes / 1024 / 1024, threads: 1 + workers.length };
  } finally {
    session.close();
  }
}

type Call = (method: string, params?: object) => Promise<Record<string, unknown>>;

async function heapOf(call: Call): Promise<number> {
  await call('HeapProfiler.collectGarbage');
  const { result } = (await call('Runtime.evaluate', HEAP_USED)) as { result: { value?: unknown } };
  if (typeof result.value !== 'number') throw new Error(`heap not readable: ${JSON.stringify(result)}`);
  return result.value;
}

class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<string, (r: Reply) => void>();
  private readonly attached: string[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => this.receive(JSON.parse(String(event.data)) as Reply));
  }

  static open(url: string): Promise<InspectorSession> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(new InspectorSession(ws)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)), {
        once: true,
      });
    });
  }

  call(method: string, params: object = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return this.await(`main:${id}`, method);
  }

  /** Attaches to every worker thread the process has now; their sessions answer through this one. */
  async workerSessions(): Promise<string[]> {
    // The inspector announces every existing worker thread before it answers enable.
    await this.call('NodeWorker.enable', { waitForDebuggerOnStart: false });
    return [...this.attached];
  }

  async callInWorker(
    sessionId: string,
    method: string,
    params: object = {},
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const reply = this.await(`${sessionId}:${id}`, method);
    try {
      const message = JSON.stringify({ id, method, params });
      await this.call('NodeWorker.sendMessageToWorker', { sessionId, message });
    } catch (err) {
      // Not delivered: no answer will come, so the caller hears why now rather than at the timeout.
      this.settle(`${sessionId}:`, {
        id,
        error: { message: `not sent to the worker thread: ${String(err)}` },
      });
    }
    return reply;
  }

  close(): void {
    this.ws.close();
  }

  private await(key: string, method: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(`inspector: no answer to ${method} in ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(key, (reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(`inspector: ${method}: ${reply.error.message}`));
        else resolve(reply.result ?? {});
      });
    });
  }

  private receive(reply: Reply): void {
    if (reply.method === 'NodeWorker.attachedToWorker') {
      this.attached.push(String(reply.params!.sessionId));
      return;
    }
    if (reply.method === 'NodeWorker.receivedMessageFromWorker') {
      const { sessionId, message } = reply.params as { sessionId: string; message: string };
      this.settle(`${sessionId}:`, JSON.parse(message) as Reply);
      return;
    }
    this.settle('main:', reply);
  }

  private settle(prefix: string, reply: Reply): void {
    if (reply.id === undefined) return;
    const key = `${prefix}${reply.id}`;
    const done = this.pending.get(key);
    this.pending.delete(key);
    done?.(reply);
  }
}
