import { ConstantBackoff, type IRetryBackoffContext } from 'cockatiel';
import { DeliveryFailure, classifyFailure } from './delivery-failure';
import { RetryAfterBackoff } from './retry-after.backoff';

function failedWith(error: Error, attempt = 1): IRetryBackoffContext<unknown> {
  return { attempt, signal: new AbortController().signal, result: { error } };
}

describe('RetryAfterBackoff', () => {
  const backoff = new RetryAfterBackoff(new ConstantBackoff(100), (e) => classifyFailure(e).retryAfterMs);

  it('waits as long as the receiver asked when that is longer than the backoff', () => {
    expect(backoff.next(failedWith(new DeliveryFailure('429', true, 429, 2_000))).duration).toBe(2_000);
  });

  it('keeps the backoff when the receiver asked for less, or nothing', () => {
    expect(backoff.next(failedWith(new DeliveryFailure('429', true, 429, 10))).duration).toBe(100);
    expect(backoff.next(failedWith(new DeliveryFailure('500', true, 500))).duration).toBe(100);
  });

  it('honours each attempt its own Retry-After', () => {
    const first = backoff.next(failedWith(new DeliveryFailure('429', true, 429, 3_000)));
    const second = first.next(failedWith(new DeliveryFailure('503', true, 503), 2));
    expect([first.duration, second.duration]).toEqual([3_000, 100]);
  });
});
