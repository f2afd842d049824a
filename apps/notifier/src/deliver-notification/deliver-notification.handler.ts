import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, type Histogram } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { Topics, assertNever } from '@vigil/contracts';
import type { OutboxMessage, OutboxRecord } from '@vigil/messaging';
import type { DueTimer } from '@vigil/persistence';
import { histogramWithExemplars, traceExemplar } from '@vigil/observability';
import { ConfigDocumentsService, MessagingService, VigilMetrics } from '@vigil/platform-nest';
import { PolicyRegistry } from '@vigil/resilience';
import { DeliveryLogRepository } from '../delivery-log/delivery-log.repository';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier.config';
import { breakerWaitMs, consequencesOf, type SendOutcome } from './delivery-outcome';
import { prepareDelivery, type PreparedDelivery } from './notification-request';
import { OutboundHttpClient } from './outbound-http.client';
import { SmtpMailClient } from './smtp-mail.client';

interface DeliveryTimerPayload { escalationEventId: string; channel: string }

/** A delivery that did not end: its timer is to fire again in `retryInMs`. */
export interface DeliveryPostponed { retryInMs: number; reason: string }

/**
 * Delivers what a `delivery` timer names (the workers claim it): makes the call inside the transaction that claimed the timer,
 * and records the outcome (log row, outcome event, dead letter) in that same
 * transaction. A crash mid-call leaves the timer unfired, so it fires again (with the
 * same Idempotency-Key); a timer that fires after the delivery finished finds the row
 * no longer pending and does nothing. A delivery its destination's open breaker refused
 * stays pending and comes back when the breaker lets a call through (ADR 0022).
 */
@Injectable()
export class DeliverNotificationHandler {
  private readonly logger = new Logger(DeliverNotificationHandler.name);
  private readonly outcomes: Counter<'channel_type' | 'outcome'>;
  private readonly duration: Histogram<'channel_type' | 'outcome'>;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly documents: ConfigDocumentsService,
    private readonly messaging: MessagingService,
    private readonly log: DeliveryLogRepository,
    private readonly http: OutboundHttpClient,
    private readonly mail: SmtpMailClient,
    private readonly policies: PolicyRegistry,
    metrics: VigilMetrics,
  ) {
    this.outcomes = new Counter({
      name: 'vigil_notifications_total', help: 'Notification deliveries by outcome', labelNames: ['channel_type', 'outcome'], registers: [metrics.registry],
    });
    // The delivery runs in the escalation's trace: its id is the exemplar (ADR 0019).
    this.duration = histogramWithExemplars(metrics.registry, {
      name: 'vigil_notification_delivery_seconds', help: 'Time to deliver a notification, retries included', labelNames: ['channel_type', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
  }

  private async send(prepared: PreparedDelivery, bulkhead: string): Promise<SendOutcome> {
    switch (prepared.kind) {
      case 'fail':
        return { delivered: false, channelType: prepared.channelType, attempts: 1, reason: prepared.reason };
      case 'http':
        return this.http.send(prepared.request, prepared.channelType, prepared.breaker, bulkhead);
      case 'email':
        return this.mail.send(prepared.smtp, prepared.message, prepared.breaker, bulkhead);
      default:
        return assertNever(prepared);
    }
  }

  async deliver(timer: DueTimer, manager: EntityManager): Promise<DeliveryPostponed | undefined> {
    const { escalationEventId, channel } = timer.payload as unknown as DeliveryTimerPayload;
    const delivery = await this.log.lock(manager, escalationEventId, channel);
    if (!delivery || delivery.status !== 'pending') return undefined;
    const started = Date.now();
    const stored = await this.documents.get(delivery.tenantId, 'NotificationChannel', channel, manager);
    const prepared = prepareDelivery(stored, channel, delivery.event, { trigger: delivery.trigger, escalationBaseUrl: this.config.ESCALATION_PUBLIC_URL });
    const outcome = await this.send(prepared, `channel:${delivery.tenantId}/${channel}`);
    if (!outcome.delivered && outcome.breakerOpen && prepared.kind !== 'fail') {
      const reopensIn = this.policies.reopensInMs(prepared.breaker) ?? 0;
      const retryInMs = breakerWaitMs(outcome, started - timer.dueAt.getTime(), reopensIn, this.config.NOTIFIER_BREAKER_WAIT_MAX_MS);
      if (retryInMs !== undefined) {
        const reason = `${outcome.reason}; waiting for it to let a call through`;
        await this.log.wait(manager, delivery.id, outcome.attempts, reason);
        this.logger.warn({ msg: 'notification waits for its destination’s breaker', tenantId: delivery.tenantId, channel, escalationEventId, retryInMs });
        return { retryInMs, reason };
      }
    }
    const result = consequencesOf(delivery, outcome, new Date());
    await this.log.finish(manager, delivery.id, result.log);
    const messages: Array<OutboxMessage | OutboxRecord> = [{ event: result.event, key: result.key }];
    // The dead letter leaves exactly like the event: committed with the `failed` status, or not at all.
    if (result.deadLetter) messages.push({ topic: Topics.notificationDeadLetters, id: result.deadLetter.record.id, key: result.key, ...result.deadLetter });
    await this.messaging.publish(manager, messages);
    const label = { channel_type: outcome.channelType, outcome: outcome.delivered ? 'delivered' : 'failed' };
    this.outcomes.inc(label);
    this.duration.observe({ labels: label, value: (Date.now() - started) / 1000, exemplarLabels: traceExemplar() });
    if (!outcome.delivered) {
      this.logger.warn({
        msg: 'notification failed; dead-lettered', tenantId: delivery.tenantId, channel, escalationEventId, attempts: outcome.attempts, reason: outcome.reason,
      });
    }
    return undefined;
  }
}
