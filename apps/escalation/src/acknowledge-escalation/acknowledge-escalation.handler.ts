import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EventEnvelope } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { decideAcknowledge, type Escalation } from '../domain/escalation.decider';
import { EscalationStore } from '../escalations/escalation.store';

/** Who acknowledges when a PagerDuty-style acknowledge does not say. */
export const DefaultAlarmAcknowledger = 'pagerduty';

export type AcknowledgeOutcome = { result: 'acknowledged'; escalation: Escalation } | { result: 'not-found' } | { result: 'already-resolved' };

/** Someone answered the page: pending levels are cancelled and `escalation-acknowledged` published. */
@Injectable()
export class AcknowledgeEscalationHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EscalationStore,
    private readonly messaging: MessagingService,
  ) {}

  /** Over HTTP, by escalation id. Acknowledging again answers the escalation as it is. */
  async byId(tenantId: string, escalationId: string, by: string, now = new Date()): Promise<AcknowledgeOutcome> {
    const outcome = await this.dataSource.transaction(async (manager): Promise<AcknowledgeOutcome> => {
      const escalation = await this.store.findById(manager, tenantId, escalationId, 'update');
      if (!escalation) return { result: 'not-found' };
      const facts = decideAcknowledge(escalation, { by, via: 'http', now });
      if (facts === 'already-resolved') return { result: 'already-resolved' };
      return { result: 'acknowledged', escalation: (await this.store.record(manager, escalation, facts))! };
    });
    this.messaging.flush();
    return outcome;
  }

  /** `alarm-acknowledged` from ingestion (a PagerDuty-style acknowledge of the alarm). */
  async fromAlarmEvent(manager: EntityManager, event: EventEnvelope<'alarm-acknowledged'>): Promise<void> {
    const escalation = await this.store.findActive(manager, event.tenantId, event.data.alarmKey);
    if (!escalation) return;
    const facts = decideAcknowledge(escalation, {
      by: event.data.acknowledgedBy ?? DefaultAlarmAcknowledger,
      via: 'alarm-acknowledged',
      eventId: event.id,
      now: new Date(event.data.acknowledgedAt),
    });
    // An active escalation is never resolved, so the rejection cannot happen here.
    if (facts === 'already-resolved') return;
    await this.store.record(manager, escalation, facts, event);
  }
}
