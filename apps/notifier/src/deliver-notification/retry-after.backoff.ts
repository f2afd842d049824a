import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';

type RetryContext = IRetryBackoffContext<unknown>;

/**
 * Wraps a backoff (exponential with jitter) so a wait the receiver asked for
 * (`Retry-After` on a 429 or 503) is honoured: the delay is the longer of the two.
 */
export class RetryAfterBackoff implements IBackoffFactory<RetryContext> {
  constructor(
    private readonly inner: IBackoffFactory<RetryContext>,
    private readonly askedWaitOf: (error: Error) => number | undefined,
  ) {}

  next(context: RetryContext): IBackoff<RetryContext> {
    return honour(this.inner.next(context), context, this.askedWaitOf);
  }
}

function honour(inner: IBackoff<RetryContext>, context: RetryContext, askedWaitOf: (error: Error) => number | undefined): IBackoff<RetryContext> {
  const asked = 'error' in context.result ? askedWaitOf(context.result.error) ?? 0 : 0;
  return {
    duration: Math.max(inner.duration, asked),
    next: (nextContext) => honour(inner.next(nextContext), nextContext, askedWaitOf),
  };
}
