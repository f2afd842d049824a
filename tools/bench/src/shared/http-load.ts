import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { sleep } from './child-process';
import { interruption } from './interruption';

export interface HttpAnswer {
  status: number;
  body: string;
  retryAfter?: string;
}

/**
 * How requests leave the bench. Every target of one run gets the same transport, so the
 * client's own cost is the same on every side of a comparison.
 */
export interface Transport {
  readonly name: string;
  post(url: string, headers: Record<string, string>, body: Buffer): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export type TransportName = 'http' | 'fetch';
export const TransportNames: readonly TransportName[] = ['http', 'fetch'];

/**
 * `node:http` with a keep-alive agent of exactly `connections` sockets: the lightest
 * client Node has, which matters when client and servers share two cores.
 */
export function httpTransport(connections: number): Transport {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'lifo' });
  return {
    name: `node:http keep-alive agent (${connections} sockets)`,
    post(url, headers, body) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        const request = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfter: header(response.headers['retry-after']) }),
          );
          response.on('error', reject);
        });
        request.setTimeout(30_000, () => request.destroy(new Error(`no answer from ${url} within 30 s`)));
        request.on('error', reject);
        request.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

/** Node's built-in fetch (undici's global keep-alive pool; one connection per request in flight). */
export function fetchTransport(): Transport {
  return {
    name: 'fetch (Node built-in undici, keep-alive)',
    async post(url, headers, body) {
      const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
      return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') ?? undefined };
    },
    async close() {
      // The global dispatcher's idle sockets close on their own.
    },
  };
}

export function createTransport(name: TransportName, connections: number): Transport {
  return name === 'fetch' ? fetchTransport() : httpTransport(connections);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export interface LoadRequest {
  body: Buffer;
  /** How many events the body carries. */
  events: number;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  requests: readonly LoadRequest[];
  concurrency: number;
  transport: Transport;
  /**
   * How many of the request's events the answer accepted; throws when the answer is a
   * failure. Called only for 2xx answers.
   */
  accepted: (answer: HttpAnswer, request: LoadRequest) => number;
  /** Retries of one request answered 429/503 (after its Retry-After, at most 5 s). */
  maxRetries?: number;
  /** Stops sending (requests in flight finish); default: the bench's interruption. */
  signal?: AbortSignal;
}

export interface LoadResult {
  /** Wall clock (epoch ms) just before the first request: comparable with Kafka timestamps. */
  startedAtEpochMs: number;
  elapsedMs: number;
  requests: number;
  eventsSent: number;
  eventsAccepted: number;
  /** One per request that got an answer, in ms: the last attempt's time. */
  latenciesMs: Float64Array;
  /** Answers by status code ("error" for a request that got none). */
  statuses: Record<string, number>;
  retries: number;
  failures: number;
  firstFailure?: string;
}

/**
 * Sends every request once, `concurrency` at a time (each worker sends its next request
 * as soon as its previous one is answered): a closed-loop load, so the rate measured is
 * the rate the target sustains.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { requests, transport, url, headers } = options;
  const maxRetries = options.maxRetries ?? 20;
  const signal = options.signal ?? interruption.signal;
  const latencies = new Float64Array(requests.length);
  const statuses: Record<string, number> = {};
  let answered = 0;
  let next = 0;
  let eventsAccepted = 0;
  let retries = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const fail = (message: string) => {
    failures += 1;
    firstFailure ??= message;
  };

  const worker = async () => {
    while (next < requests.length && !signal.aborted) {
      const request = requests[next++];
      for (let attempt = 0; ; attempt++) {
        const t0 = performance.now();
        let answer: HttpAnswer;
        try {
          answer = await transport.post(url, headers, request.body);
        } catch (error) {
          statuses.error = (statuses.error ?? 0) + 1;
          fail((error as Error).message);
          break;
        }
        const latency = performance.now() - t0;
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if ((answer.status === 429 || answer.status === 503) && attempt < maxRetries) {
          retries += 1;
          await sleep(Math.min(5_000, Math.max(50, Number(answer.retryAfter ?? 1) * 1000)));
          continue;
        }
        latencies[answered++] = latency;
        if (answer.status < 200 || answer.status > 299) {
          fail(`HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
          break;
        }
        try {
          eventsAccepted += options.accepted(answer, request);
        } catch (error) {
          fail((error as Error).message);
        }
        break;
      }
    }
  };

  const startedAtEpochMs = Date.now();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const elapsedMs = performance.now() - t0;
  return {
    startedAtEpochMs,
    elapsedMs,
    requests: requests.length,
    eventsSent: requests.reduce((sum, r) => sum + r.events, 0),
    eventsAccepted,
    latenciesMs: latencies.subarray(0, answered),
    statuses,
    retries,
    failures,
    firstFailure,
  };
}
