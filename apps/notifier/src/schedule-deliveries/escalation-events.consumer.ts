import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EscalationEventTypes, Topics, isEventOf, type AnyEvent } from '@vigil/contracts';
import { traceHeaders } from '@vigil/observability';
import { MessagingService } from '@vigil/platform-nest';
import { DeliveryWorkers } from '../deliver-notification/delivery-workers';
import { DeliveryTimerKind, deliverySubject, type EscalationEvent } from '../delivery-log/delivery';
import { DeliveryLogRepository } from '../delivery-log/delivery-log.repository';
import { planDeliveries } from './plan-deliveries';

/**
 * Turns escalation events into delivery jobs: a log row and a `delivery` timer due now
 * per channel, written in the consumer's transaction with the processed-event ledger,
 * so a re-delivered event plans nothing twice. The timer carries the event's trace.
 */
@Injectable()
export class EscalationEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingService,
    private readonly workers: DeliveryWorkers,
    private readonly log: DeliveryLogRepository,
  ) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'escalation-events',
      topics: [Topics.escalationEvents],
      handle: (event, { manager }) => this.handle(event, manager),
      // Deliver now rather than at the workers' next poll.
      afterCommit: () => this.workers.kick(),
    });
  }

  async handle(event: AnyEvent, manager: EntityManager): Promise<void> {
    // Only escalation events are published on the escalation topic: nothing else to notify.
    if (isEventOf(event, EscalationEventTypes)) await this.schedule(event, manager);
  }

  private async schedule(event: EscalationEvent, manager: EntityManager): Promise<void> {
    const notified = event.type === 'escalation-triggered'
      ? new Map()
      : await this.log.notifiedChannels(manager, event.tenantId, event.data.escalationId);
    const now = new Date();
    for (const { channel, trigger } of planDeliveries(event, notified)) {
      if (!(await this.log.plan(manager, event, channel, trigger))) continue;
      await this.workers.timers.schedule(manager, {
        tenantId: event.tenantId,
        kind: DeliveryTimerKind,
        subject: deliverySubject(event.id, channel),
        dueAt: now,
        // The consumer's trace, so the delivery — and its outbound call — continues it (ADR 0016).
        payload: { escalationEventId: event.id, channel, ...traceHeaders() },
      });
    }
  }
}
