import { Inject, Injectable, Logger } from '@nestjs/common';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier.config';
import { DeliveryFailure, classifyFailure, judgeResponse } from './delivery-failure';
import type { SendOutcome } from './delivery-outcome';
import { OutboundCalls } from './outbound-call';
import type { OutboundRequest } from './notification-request';

/**
 * POSTs a notification (webhook, Slack, PagerDuty) through the delivery policies.
 * Redirects are not followed (a POST would become a GET): the URL must be the final one.
 */
@Injectable()
export class OutboundHttpClient {
  private readonly logger = new Logger(OutboundHttpClient.name);

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly calls: OutboundCalls,
  ) {}

  send(request: OutboundRequest, channelType: string, breaker: string, bulkhead: string): Promise<SendOutcome> {
    // A Slack webhook URL is a credential: keep it out of events, logs and dead letters.
    return this.calls.run({ channelType, breaker, bulkhead, secrets: [request.url] }, (signal, attempt) => this.attempt(request, signal, attempt, breaker));
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
