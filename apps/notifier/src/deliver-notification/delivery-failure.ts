
/** A receiver's answer that is not a success: transient ones are retried, permanent ones are not. */
export class DeliveryFailure extends Error {
  constructor(
    readonly reason: string,
    readonly transient: boolean,
    readonly statusCode?: number,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
    this.name = 'DeliveryFailure';
  }
}

export interface FailureVerdict {
  /** Worth retrying: network errors, timeouts, 5xx, 429. Never another 4xx. */
  transient: boolean;
  /** Says the destination host is unhealthy (not a 4xx, not a full bulkhead, not a 429). */
  countsAgainstBreaker: boolean;
  reason: string;
  statusCode?: number;
  retryAfterMs?: number;
}

/**
 * `Retry-After` as milliseconds to wait: delay-seconds or an HTTP-date (a date in the
 * past means now). Anything else is ignored.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // All three HTTP-date forms start with a day name; this keeps Date.parse from reading "1.5" as a date.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * Judges a receiver's HTTP answer: undefined for a success (2xx), otherwise the failure
 * to throw. Redirects are not followed (a POST would turn into a GET): the channel's URL
 * must be the final one.
 */
export function judgeResponse(
  status: number, retryAfter: string | null, body: string, now: Date, retryAfterMaxMs: number,
): DeliveryFailure | undefined {
  if (status >= 200 && status < 300) return undefined;
  const said = body.trim() ? `: ${body.trim().slice(0, 200)}` : '';
  if (status === 429 || status >= 500) {
    const wait = parseRetryAfter(retryAfter, now);
    if (wait !== undefined && wait > retryAfterMaxMs) {
      return new DeliveryFailure(
        `receiver answered HTTP ${status} asking to retry after ${Math.ceil(wait / 1000)} s, longer than NOTIFIER_RETRY_AFTER_MAX_MS (${retryAfterMaxMs} ms)`,
        false, status, wait,
      );
    }
    return new DeliveryFailure(`receiver answered HTTP ${status}${said}`, true, status, wait);
  }
  if (status >= 300 && status < 400) {
    return new DeliveryFailure(`receiver answered HTTP ${status} (a redirect); set the channel's url to the final address`, false, status);
  }
  return new DeliveryFailure(`receiver answered HTTP ${status}${said}`, false, status);
}

// cockatiel 3.2.1's own isTaskCancelledError/isIsolatedCircuitError test the bulkhead's
// marker property, so a timeout would read as a full bulkhead: check the markers here.
function hasMarker(error: unknown, marker: 'isTaskCancelledError' | 'isBrokenCircuitError' | 'isBulkheadRejectedError'): error is Error {
  return error instanceof Error && marker in error;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** Whether, and how, a failed attempt is worth another one. `breaker` names the host's breaker in the reason. */
export function classifyFailure(error: unknown, breaker = 'circuit breaker'): FailureVerdict {
  if (error instanceof DeliveryFailure) {
    return {
      transient: error.transient,
      countsAgainstBreaker: error.transient && error.statusCode !== 429,
      reason: error.reason,
      statusCode: error.statusCode,
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (hasMarker(error, 'isTaskCancelledError')) return { transient: true, countsAgainstBreaker: true, reason: `no answer: ${error.message}` };
  if (hasMarker(error, 'isBrokenCircuitError')) {
    return { transient: false, countsAgainstBreaker: false, reason: `${breaker} is open: the receiver failed repeatedly; not called` };
  }
  if (hasMarker(error, 'isBulkheadRejectedError')) {
    return { transient: true, countsAgainstBreaker: false, reason: 'too many deliveries in flight for this channel' };
  }
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return { transient: true, countsAgainstBreaker: true, reason: 'no answer: request aborted' };
  // undici reports every network failure as `TypeError: fetch failed` with the socket error as cause.
  const code = e?.cause?.code ?? e?.code;
  if ((e instanceof TypeError && e.message === 'fetch failed') || (code && NETWORK_CODES.has(code))) {
    return { transient: true, countsAgainstBreaker: true, reason: `network error: ${code ?? e?.cause?.message ?? e?.message}` };
  }
  return { transient: false, countsAgainstBreaker: false, reason: `cannot send: ${e?.message ?? String(error)}` };
}
