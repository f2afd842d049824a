import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { freePort } from '../shared/child-process';

/**
 * The alarm keys a notification body pages for: Vigil's webhook names one alarm
 * (`alarm.alarmKey` of an `escalation-triggered`), Alertmanager's webhook (version 4) a
 * group of alerts, each with its `alarm_key` label. Anything else pages for nothing.
 */
export function pagedKeys(body: unknown): string[] {
  const b = body as { type?: string; alarm?: { alarmKey?: string }; version?: string; alerts?: Array<{ status?: string; labels?: Record<string, string> }> };
  if (b?.type === 'escalation-triggered' && typeof b.alarm?.alarmKey === 'string') return [b.alarm.alarmKey];
  if (Array.isArray(b?.alerts)) {
    return b.alerts.filter((a) => a.status !== 'resolved').map((a) => a.labels?.alarm_key).filter((k): k is string => typeof k === 'string');
  }
  return [];
}

/**
 * One webhook receiver for both targets, on 127.0.0.1: it answers 200 at once and notes,
 * in the bench's own clock (`performance.now()`), when each alarm key's page first arrived.
 */
export class PageReceiver {
  /** Pages that arrived for a key already paged: counted, not timed. */
  repeats = 0;
  private constructor(private readonly server: Server, readonly url: string, readonly arrivals: Map<string, number>) {}

  static async start(): Promise<PageReceiver> {
    const port = await freePort();
    const arrivals = new Map<string, number>();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return;
        }
        for (const key of pagedKeys(body)) {
          if (arrivals.has(key)) receiver.repeats += 1;
          else arrivals.set(key, at);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const receiver = new PageReceiver(server, `http://127.0.0.1:${port}`, arrivals);
    return receiver;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
