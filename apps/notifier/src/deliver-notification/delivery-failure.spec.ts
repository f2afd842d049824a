import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { DeliveryFailure, classifyFailure, judgeResponse, parseRetryAfter } from './delivery-failure';

const now = new Date('2026-11-03T10:00:00.000Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfter('Tue, 03 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
  });

  it('reads an HTTP-date in the past as now', () => {
    expect(parseRetryAfter('Tue, 03 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores what is neither', () => {
    for (const value of [null, undefined, '', '1.5', '-3', 'soon', 'Xyz, garbage']) expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('judgeResponse', () => {
  it('takes every 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204]) expect(judgeResponse(status, null, '', now, 60_000)).toBeUndefined();
  });

  it('retries a 5xx and says what the receiver answered', () => {
    const failure = judgeResponse(503, null, 'upstream down', now, 60_000)!;
    expect(failure).toMatchObject({ transient: true, statusCode: 503, reason: 'receiver answered HTTP 503: upstream down' });
  });

  it('retries a 429 and keeps the wait it asked for', () => {
    expect(judgeResponse(429, '2', '', now, 60_000)).toMatchObject({ transient: true, statusCode: 429, retryAfterMs: 2_000 });
  });

  it('gives up on a 429 asking for a longer wait than NOTIFIER_RETRY_AFTER_MAX_MS allows', () => {
    const failure = judgeResponse(429, '3600', '', now, 60_000)!;
    expect(failure.transient).toBe(false);
    expect(failure.reason).toContain('NOTIFIER_RETRY_AFTER_MAX_MS');
  });

  it('never retries another 4xx', () => {
    for (const status of [400, 401, 403, 404, 408, 410, 413, 422]) {
      expect(judgeResponse(status, '1', 'no', now, 60_000)).toMatchObject({ transient: false, statusCode: status });
    }
  });

  it('does not follow a redirect and says to fix the url', () => {
    expect(judgeResponse(301, null, '', now, 60_000)).toMatchObject({ transient: false, statusCode: 301 });
  });
});

describe('classifyFailure', () => {
  it('counts a 5xx against the breaker, but neither a 429 nor a 4xx', () => {
    expect(classifyFailure(new DeliveryFailure('x', true, 500))).toMatchObject({ transient: true, countsAgainstBreaker: true });
    expect(classifyFailure(new DeliveryFailure('x', true, 429, 1_000))).toMatchObject({ transient: true, countsAgainstBreaker: false, retryAfterMs: 1_000 });
    expect(classifyFailure(new DeliveryFailure('x', false, 400))).toMatchObject({ transient: false, countsAgainstBreaker: false });
  });

  it('retries network errors as undici reports them', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(classifyFailure(refused)).toEqual({ transient: true, countsAgainstBreaker: true, reason: 'network error: ECONNREFUSED' });
  });

  it('retries a timeout', () => {
    expect(classifyFailure(new TaskCancelledError('Operation timed out after 5000ms'))).toMatchObject({ transient: true, countsAgainstBreaker: true });
    expect(classifyFailure(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toMatchObject({ transient: true });
  });

  it('does not retry into an open breaker', () => {
    expect(classifyFailure(new BrokenCircuitError(), 'webhook:hooks.example.com')).toEqual({
      transient: false, countsAgainstBreaker: false, reason: 'webhook:hooks.example.com is open: the receiver failed repeatedly; not called',
    });
  });

  it('retries a full bulkhead without blaming the host', () => {
    expect(classifyFailure(new BulkheadRejectedError(10, 0))).toMatchObject({ transient: true, countsAgainstBreaker: false });
  });

  it('does not retry what no retry can fix, such as an unparsable URL', () => {
    expect(classifyFailure(new TypeError('Failed to parse URL from nope'))).toMatchObject({ transient: false, reason: 'cannot send: Failed to parse URL from nope' });
  });
});
