import { Inject, Injectable } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { PolicyRegistry, isBrokenCircuit, timeoutPolicy, wrap } from '@vigil/resilience';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier.config';
import { classifyFailure } from './delivery-failure';
import type { SendOutcome } from './delivery-outcome';
import { RetryAfterBackoff } from './retry-after.backoff';

/** One attempt at a call: resolves to the receiver's status (HTTP status, SMTP reply code) or throws a failure. */
export type Attempt = (signal: AbortSignal, attempt: number) => Promise<number>;

export interface OutboundCall {
  channelType: string;
  /** The destination's breaker, e.g. `webhook:<host>`, `smtp:<host>:<port>`. */
  breaker: string;
  /** The channel's bulkhead, `channel:<tenant>/<name>`. */
  bulkhead: string;
  /** Credentials to keep out of the reason (a Slack URL, an SMTP password). */
  secrets: string[];
}

/**
 * Runs a notification's outbound call through the policies DESIGN.md asks for, outermost
 * first: retry (exponential backoff with jitter, transient failures only, honouring
 * Retry-After) → the channel's bulkhead → the destination's circuit breaker → a timeout
 * per attempt that aborts it. The bulkhead sits inside the retry so a channel waiting
 * out a backoff holds no slot. Never throws: every ending is an outcome.
 */
@Injectable()
export class OutboundCalls {
  private readonly retry;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly policies: PolicyRegistry,
  ) {
    this.retry = retry(handleWhen((error) => classifyFailure(error).transient), {
      maxAttempts: config.NOTIFIER_RETRY_ATTEMPTS,
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({ initialDelay: config.NOTIFIER_RETRY_INITIAL_MS, maxDelay: config.NOTIFIER_RETRY_MAX_MS }),
        (error) => classifyFailure(error).retryAfterMs,
      ),
    });
  }

  async run(call: OutboundCall, attempt: Attempt): Promise<SendOutcome> {
    let attempts = 0;
    const policy = wrap(
      this.retry,
      this.policies.bulkhead(call.bulkhead, this.config.NOTIFIER_BULKHEAD_LIMIT, this.config.NOTIFIER_BULKHEAD_QUEUE),
      this.policies.breaker(call.breaker, {
        threshold: this.config.NOTIFIER_BREAKER_THRESHOLD,
        halfOpenAfterMs: this.config.NOTIFIER_BREAKER_HALF_OPEN_MS,
        isFailure: (error) => classifyFailure(error).countsAgainstBreaker,
      }),
      timeoutPolicy(this.config.NOTIFIER_TIMEOUT_MS),
    );
    try {
      const statusCode = await policy.execute(async ({ signal }) => {
        attempts += 1;
        return attempt(signal, attempts);
      });
      return { delivered: true, channelType: call.channelType, statusCode, attempts };
    } catch (error) {
      const verdict = classifyFailure(error, call.breaker);
      const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
      const reason = hideSecrets(`${verdict.reason}${tries}`, call.secrets, call.channelType);
      if (isBrokenCircuit(error)) return { delivered: false, channelType: call.channelType, attempts, reason, breakerOpen: true };
      return { delivered: false, channelType: call.channelType, statusCode: verdict.statusCode, attempts: Math.max(1, attempts), reason };
    }
  }
}

/** Keeps credentials out of events, logs and dead letters, whatever a library put in its error. */
export function hideSecrets(text: string, secrets: readonly string[], channelType: string): string {
  return secrets.filter((s) => s.length > 0).reduce((out, secret) => out.split(secret).join(`<${channelType} secret>`), text);
}
