import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AlarmRef, EscalationTrigger, EventEnvelope } from '@vigil/contracts';
import { ConfigDocumentsService } from '@vigil/platform-nest';
import { decideTrigger } from '../domain/escalation.decider';
import { EscalationStore } from '../escalations/escalation.store';

export interface TriggerInput {
  event: Pick<EventEnvelope, 'id' | 'tenantId' | 'correlationId'>;
  trigger: EscalationTrigger;
  alarm: AlarmRef;
  /** `undefined` when the alarm's labels are not known here. */
  labels: Record<string, string> | undefined;
  detail: string;
}

/**
 * A trigger event for an alarm: opens its escalation under the first matching
 * EscalationPolicy, or raises the urgency of the one already open.
 */
@Injectable()
export class OpenEscalationHandler {
  constructor(private readonly store: EscalationStore, private readonly documents: ConfigDocumentsService) {}

  async handle(manager: EntityManager, input: TriggerInput, now = new Date()): Promise<void> {
    const { event, alarm } = input;
    const active = await this.store.findActive(manager, event.tenantId, alarm.alarmKey);
    const policies = active ? [] : (await this.documents.list(event.tenantId, 'EscalationPolicy', manager)).map((d) => ({ name: d.name, spec: d.spec }));
    const facts = decideTrigger(active, {
      newEscalationId: randomUUID(),
      tenantId: event.tenantId,
      alarm: { alarmKey: alarm.alarmKey, serviceId: alarm.serviceId, severity: alarm.severity, summary: alarm.summary },
      labels: input.labels,
      reason: { trigger: input.trigger, eventId: event.id, correlationId: event.correlationId, detail: input.detail },
      policies,
      now,
    });
    await this.store.record(manager, active, facts);
  }
}
