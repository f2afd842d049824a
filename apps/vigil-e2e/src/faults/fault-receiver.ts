import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'ok' | 'hang' | 'fail';

/** A webhook receiver that the suite can make hang, answer 500, or recover. */
export class FaultReceiver {
  mode: ReceiverMode = 'ok';
  /** Idempotency-Key of every request answered 200, with how often it came. */
  readonly delivered = new Map<string, number>();
  private readonly hanging = new Set<() => void>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<FaultReceiver> {
    const state: { receiver?: FaultReceiver } = {};
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => state.receiver!.answer(req.headers['idempotency-key'] as string | undefined, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.receiver = new FaultReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/faults`);
    return state.receiver;
  }

  setMode(mode: ReceiverMode): void {
    this.mode = mode;
    if (mode !== 'hang') {
      // Hung requests are let go (the notifier timed them out long ago).
      for (const release of this.hanging) release();
      this.hanging.clear();
    }
  }

  async close(): Promise<void> {
    this.setMode('ok');
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private answer(key: string | undefined, res: import('node:http').ServerResponse): void {
    if (this.mode === 'hang') {
      this.hanging.add(() => res.destroy());
      return;
    }
    if (this.mode === 'fail') {
      res.writeHead(500).end('receiver broken');
      return;
    }
    if (key) this.delivered.set(key, (this.delivered.get(key) ?? 0) + 1);
    res.writeHead(200).end('ok');
  }
}
