import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventKey, newEvent, type EventEnvelope } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { SlaMetrics } from '../sla-metrics';
import { decideResolutionClock, type ClockDecision, type ClockInput, type Verdict } from './resolution-clock.decider';
import { ResolutionClocksRepository, type StoredClock } from './resolution-clocks.repository';

/** A clock's verdicts as events, and what a timer or a clear decides for a clock, published and stored. */
@Injectable()
export class ResolutionVerdictPublisher {
  constructor(private readonly messaging: MessagingService, private readonly clocks: ResolutionClocksRepository, private readonly metrics: SlaMetrics) {}

  /** Decides a timer or a clear for a clock the caller has locked, publishes the verdicts through the outbox and stores the clock. */
  async apply(manager: EntityManager, clock: StoredClock, input: ClockInput): Promise<void> {
    const decision: ClockDecision = decideResolutionClock(clock, input);
    if (decision.state === clock.state && decision.verdicts.length === 0 && !decision.cleared) return;
    // Every verdict is caused by the raise that started the clock and shares its correlation id.
    const events = decision.verdicts.map((verdict, i) => this.toEvent(clock, verdict, clock.verdicts + i + 1, { id: clock.raisedEventId, correlationId: clock.correlationId }));
    await this.messaging.publish(manager, events.map((event) => ({ event, key: eventKey(clock.tenantId, clock.alarm.serviceId) })));
    const breach = events.find((e) => e.type === 'sla-breached');
    const breachedEventId = decision.state === 'breached' ? (breach?.id ?? clock.breachedEventId ?? null) : null;
    await this.clocks.update(manager, clock.id, { state: decision.state, verdicts: clock.verdicts + events.length, cleared: decision.cleared, breachedEventId });
    for (const event of events) this.metrics.verdicts.inc({ type: event.type, policy_type: 'resolution' });
  }

  toEvent(clock: StoredClock, verdict: Verdict, sequence: number, causedBy: Pick<EventEnvelope, 'id' | 'correlationId'>): EventEnvelope<Verdict['type']> {
    return newEvent({ type: verdict.type, tenantId: clock.tenantId, subject: clock.alarm.alarmKey, sequence, occurredAt: verdict.data.effectiveAt, data: verdict.data, causedBy });
  }
}
