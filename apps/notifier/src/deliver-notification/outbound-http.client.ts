import { Inject, Injectable, Logger } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { PolicyRegistry, timeoutPolicy, wrap } from '@vigil/resilience';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier.config';
import { DeliveryFailure, classifyFailure, judgeResponse } from './delivery-failure';
import type { SendOutcome } from './delivery-outcome';
import type { OutboundRequest } from './notification-request';
import { RetryAfterBackoff } from './retry-after.backoff';

/** Breaker name for a destination: one per host, whatever channel points at it. */
export function breakerName(url: string): string {
  return `webhook:${new URL(url).host}`;
}

/**
 * Makes one notification's HTTP call through the policies DESIGN.md asks for, outermost
 * first: retry (exponential backoff with jitter, transient failures only, honouring
 * Retry-After) → the channel's bulkhead → the host's circuit breaker → a timeout per
 * attempt that aborts the request. The bulkhead sits inside the retry so a channel
 * waiting out a backoff holds no slot. Never throws: every ending is an outcome.
 */
@Injectable()
export class OutboundHttpClient {
  private readonly logger = new Logger(OutboundHttpClient.name);
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

  async send(request: OutboundRequest, channelType: string, bulkheadName: string): Promise<SendOutcome> {
    let attempts = 0;
    let name: string;
    try {
      name = breakerName(request.url);
    } catch {
      return { delivered: false, channelType, attempts: 1, reason: 'cannot send: the channel url is not a URL' };
    }
    const policy = wrap(
      this.retry,
      this.policies.bulkhead(bulkheadName, this.config.NOTIFIER_BULKHEAD_LIMIT, this.config.NOTIFIER_BULKHEAD_QUEUE),
      this.policies.breaker(name, { isFailure: (error) => classifyFailure(error).countsAgainstBreaker }),
      timeoutPolicy(this.config.NOTIFIER_TIMEOUT_MS),
    );
    try {
      const statusCode = await policy.execute(async ({ signal }) => {
        attempts += 1;
        return this.attempt(request, signal, attempts, name);
      });
      return { delivered: true, channelType, statusCode, attempts };
    } catch (error) {
      const verdict = classifyFailure(error, name);
      const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
      // A Slack webhook URL is a credential: keep it out of events, logs and dead letters.
      const reason = `${verdict.reason}${tries}`.split(request.url).join(`<${channelType} url>`);
      return { delivered: false, channelType, statusCode: verdict.statusCode, attempts: Math.max(1, attempts), reason };
    }
  }

  private async attempt(request: OutboundRequest, signal: AbortSignal, attempt: number, breaker: string): Promise<number> {
    let response: Response;
    try {
      response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal, redirect: 'manual' });
    } catch (error) {
      const verdict = classifyFailure(error, breaker);
      this.logger.warn({ msg: 'notification attempt failed', breaker, attempt, transient: verdict.transient, reason: verdict.reason });
      throw error;
    }
    if (response.ok) {
      // Free the connection for reuse without reading what the receiver said.
      await response.body?.cancel().catch(() => undefined);
      return response.status;
    }
    const text = await response.text().catch(() => '');
    const failure = judgeResponse(response.status, response.headers.get('retry-after'), text, new Date(), this.config.NOTIFIER_RETRY_AFTER_MAX_MS)
      ?? new DeliveryFailure(`receiver answered HTTP ${response.status}`, false, response.status);
    this.logger.warn({ msg: 'notification attempt failed', breaker, attempt, transient: failure.transient, statusCode: failure.statusCode, reason: failure.reason });
    throw failure;
  }
}
