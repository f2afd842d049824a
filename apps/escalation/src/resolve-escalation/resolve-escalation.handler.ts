import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@vigil/contracts';
import { decideResolve } from '../domain/escalation.decider';
import { EscalationStore } from '../escalations/escalation.store';

/** The alarm cleared: its escalation is resolved, pending levels cancelled, `escalation-resolved` published. */
@Injectable()
export class ResolveEscalationHandler {
  constructor(private readonly store: EscalationStore) {}

  async handle(manager: EntityManager, event: EventEnvelope<'alarm-cleared'>): Promise<void> {
    const escalation = await this.store.findActive(manager, event.tenantId, event.data.alarmKey);
    if (!escalation) return;
    const facts = decideResolve(escalation, { eventId: event.id, resolution: event.data.resolution, now: new Date(event.data.clearedAt) });
    await this.store.record(manager, escalation, facts, event);
  }
}
