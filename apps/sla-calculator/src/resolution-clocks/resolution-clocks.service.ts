import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { eventKey, newEvent, type EventEnvelope } from '@vigil/contracts';
import { ConfigDocumentsService, MessagingService, TimerService, VigilMetrics } from '@vigil/platform-nest';
import type { DueTimer } from '@vigil/persistence';
import { aroundTheClock, calendarFromSpec, type BusinessCalendar } from '@vigil/sla-engine';
import { TenantZonesRepository } from '../tenant-zones/tenant-zones.repository';
import {
  ResolutionTimerKinds, decideResolutionClock, startResolutionClock, type ClockDecision, type ClockInput, type ResolutionClockState, type ResolutionTimerKind,
} from './resolution-clock.decider';
import { resolutionObjectiveFor } from './resolution-policy.matcher';
import { ResolutionClocksRepository, type StoredClock } from './resolution-clocks.repository';

/** The durable timers' subject: one pair of timers per policy and alarm. */
export const timerSubject = (policy: string, alarmKey: string) => `${policy}/${alarmKey}`;

/**
 * Resolution SLAs: starts a clock per resolution policy that times a raised alarm, arms
 * its at-risk and deadline timers, and turns timers and clears into `sla-at-risk`,
 * `sla-breached` and `sla-met` through the outbox. The rules are in the decider; this
 * class loads, stores and publishes, always in the caller's transaction.
 */
@Injectable()
export class ResolutionClocksService implements OnModuleInit {
  private readonly logger = new Logger(ResolutionClocksService.name);
  private readonly verdictsPublished: Counter<'type'>;

  constructor(
    private readonly messaging: MessagingService,
    private readonly timerService: TimerService,
    private readonly documents: ConfigDocumentsService,
    private readonly tenants: TenantZonesRepository,
    private readonly clocks: ResolutionClocksRepository,
    metrics: VigilMetrics,
  ) {
    this.verdictsPublished = new Counter({
      name: 'vigil_sla_verdicts_total', help: 'SLA verdicts written to the outbox, by event type', labelNames: ['type'], registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    for (const kind of ResolutionTimerKinds) this.timerService.on(kind, (timer, manager) => this.onTimer(kind, timer, manager));
  }

  /** A newly active alarm: one clock for each resolution policy with an objective for it. */
  async startClocks(manager: EntityManager, event: EventEnvelope<'alarm-raised'>): Promise<void> {
    const policies = await this.documents.list(event.tenantId, 'SLAPolicy', manager);
    let zone: string | undefined;
    for (const policy of policies) {
      const objective = resolutionObjectiveFor(policy, event.data);
      if (!objective) continue;
      zone ??= await this.tenants.zoneOf(manager, event.tenantId);
      const { name: calendarName, calendar } = await this.calendarFor(manager, event.tenantId, objective.calendarName, zone);
      let clock: ResolutionClockState;
      try {
        clock = startResolutionClock({ tenantId: event.tenantId, alarm: event.data, objective, calendarName, calendar });
      } catch (error) {
        // A calendar without working time can never yield a deadline: skip the policy rather than block the alarm stream.
        this.logger.warn({ msg: 'resolution clock not started', tenantId: event.tenantId, policy: policy.name, error: (error as Error).message });
        continue;
      }
      const id = await this.clocks.insert(manager, clock, { raisedEventId: event.id, correlationId: event.correlationId });
      if (id === undefined) continue;
      await this.arm(manager, id, clock);
    }
  }

  /** The alarm cleared: its clocks end as met, breached or cancelled, and their timers are cancelled. */
  async settleClocks(manager: EntityManager, event: EventEnvelope<'alarm-cleared'>): Promise<void> {
    const { serviceId, alarmKey } = event.data;
    for (const { id, policy } of await this.clocks.openForAlarm(manager, event.tenantId, serviceId, alarmKey)) {
      // Timers before the clock row: the same lock order as a firing timer, so the two never deadlock.
      for (const kind of ResolutionTimerKinds) await this.timerService.timers.cancel(manager, event.tenantId, kind, timerSubject(policy, alarmKey));
      const clock = await this.clocks.lock(manager, id);
      if (clock) await this.apply(manager, clock, event);
    }
  }

  private async onTimer(kind: ResolutionTimerKind, timer: DueTimer, manager: EntityManager): Promise<void> {
    const clockId = timer.payload.clockId;
    const clock = typeof clockId === 'string' ? await this.clocks.lock(manager, clockId) : undefined;
    if (!clock) {
      // Never throw here: a timer that fails every time would hold up the timers due after it.
      this.logger.warn({ msg: 'timer without its resolution clock ignored', tenantId: timer.tenantId, kind, subject: timer.subject });
      return;
    }
    await this.apply(manager, clock, { type: 'timer-fired', kind, dueAt: timer.dueAt.getTime() });
  }

  private async apply(manager: EntityManager, clock: StoredClock, input: ClockInput): Promise<void> {
    const decision: ClockDecision = decideResolutionClock(clock, input);
    if (decision.state === clock.state && decision.verdicts.length === 0 && !decision.cleared) return;
    const events = decision.verdicts.map((verdict, i) =>
      newEvent({
        type: verdict.type,
        tenantId: clock.tenantId,
        subject: clock.alarm.alarmKey,
        sequence: clock.verdicts + i + 1,
        occurredAt: verdict.data.effectiveAt,
        data: verdict.data,
        // Every verdict is caused by the raise that started the clock and shares its correlation id.
        causedBy: { id: clock.raisedEventId, correlationId: clock.correlationId },
      }),
    );
    await this.messaging.publish(manager, events.map((event) => ({ event, key: eventKey(clock.tenantId, clock.alarm.serviceId) })));
    await this.clocks.update(manager, clock.id, { state: decision.state, verdicts: clock.verdicts + events.length, cleared: decision.cleared });
    for (const event of events) this.verdictsPublished.inc({ type: event.type });
  }

  private async arm(manager: EntityManager, clockId: string, clock: ResolutionClockState): Promise<void> {
    const subject = timerSubject(clock.policy, clock.alarm.alarmKey);
    const due: Record<ResolutionTimerKind, number> = { 'resolution-at-risk': clock.atRiskAt, 'resolution-deadline': clock.deadline };
    for (const kind of ResolutionTimerKinds) {
      // Scheduling re-arms the timer of an earlier raise of the same alarm.
      await this.timerService.timers.schedule(manager, { tenantId: clock.tenantId, kind, subject, dueAt: new Date(due[kind]), payload: { clockId } });
    }
  }

  /** The named BusinessCalendar, or around the clock in the tenant's zone when the policy names none. */
  private async calendarFor(manager: EntityManager, tenantId: string, name: string | null, zone: string): Promise<{ name: string | null; calendar: BusinessCalendar }> {
    if (name === null) return { name: null, calendar: aroundTheClock(zone) };
    const doc = await this.documents.get(tenantId, 'BusinessCalendar', name, manager);
    if (doc) {
      try {
        return { name, calendar: calendarFromSpec(doc.spec, zone) };
      } catch (error) {
        this.logger.warn({ msg: 'business calendar unusable; timing around the clock', tenantId, calendar: name, error: (error as Error).message });
      }
    } else {
      this.logger.warn({ msg: 'business calendar not found; timing around the clock', tenantId, calendar: name });
    }
    // The stricter reading: a deadline around the clock is never later than one on a calendar.
    return { name: null, calendar: aroundTheClock(zone) };
  }
}
