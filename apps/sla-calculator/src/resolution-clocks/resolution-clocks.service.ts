import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventKey, newEvent, type AlarmRef, type EventEnvelope } from '@vigil/contracts';
import { ConfigDocumentsService, MessagingService, TimerService } from '@vigil/platform-nest';
import type { DueTimer } from '@vigil/persistence';
import { aroundTheClock, calendarFromSpec, type BusinessCalendar } from '@vigil/sla-engine';
import { SlaMetrics } from '../sla-metrics';
import { SlaDocuments } from '../sla-policies/sla-documents';
import {
  ResolutionTimerKinds, decideCorrectedClear, decideCorrectedStart, decideResolutionClock, decideRestatedBreach, decideSeverityChange, isPending, startResolutionClock,
  type ClockDecision, type ClockInput, type ResolutionClockState, type ResolutionTimerKind, type Verdict,
} from './resolution-clock.decider';
import { resolutionObjectiveFor, type PolicyDocument } from './resolution-policy.matcher';
import { ResolutionClocksRepository, type StoredClock } from './resolution-clocks.repository';

/** An alarm to time: what the clocks need of it, and the event their verdicts are caused by. */
export interface AlarmToTime {
  tenantId: string;
  alarm: AlarmRef;
  labels: Record<string, string>;
  /** The start of the outage (source time, epoch ms). */
  raisedAt: number;
  cause: Pick<EventEnvelope, 'id' | 'correlationId'>;
}

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

  constructor(
    private readonly messaging: MessagingService,
    private readonly timerService: TimerService,
    private readonly documents: ConfigDocumentsService,
    private readonly slaDocuments: SlaDocuments,
    private readonly clocks: ResolutionClocksRepository,
    private readonly metrics: SlaMetrics,
  ) {}

  onModuleInit(): void {
    for (const kind of ResolutionTimerKinds) this.timerService.on(kind, (timer, manager) => this.onTimer(kind, timer, manager));
  }

  /**
   * A newly active alarm: one clock for each resolution policy with an objective for it,
   * measured from the start of the outage. `cause` is the event every verdict of the clock
   * is caused by (the raise, or the severity change that gave the alarm an objective).
   */
  async startClocks(manager: EntityManager, input: AlarmToTime): Promise<void> {
    const policies = await this.slaDocuments.policies(manager, input.tenantId);
    for (const policy of policies) await this.startClock(manager, policy, input);
  }

  /**
   * A resolution policy applied after alarms were raised: each of them it times, still active and
   * without a clock of the policy, starts one now, measured from the start of its outage like any
   * other (a deadline already past breaches at once, effective at it). Verdicts are caused by the
   * applied document. A clock already running keeps the objective and calendar it started with.
   */
  async startClocksOfPolicy(manager: EntityManager, tenantId: string, policyName: string, alarms: Array<Omit<AlarmToTime, 'tenantId' | 'cause'>>, cause: AlarmToTime['cause']): Promise<void> {
    const policy = (await this.slaDocuments.policies(manager, tenantId)).find((p) => p.name === policyName);
    if (!policy) return;
    for (const alarm of alarms) await this.startClock(manager, policy, { ...alarm, tenantId, cause });
  }

  /**
   * The active alarm changed severity. Per resolution policy with an objective for the new
   * severity: a clock already running takes the new objective only if it is stricter, still
   * measured from the start of the outage (see `decideSeverityChange`); a policy that did not
   * time the alarm at its old severity starts a clock now, measured from the start of the
   * outage too. A laxer objective, or none, changes nothing.
   */
  async changeSeverity(manager: EntityManager, event: EventEnvelope<'alarm-severity-changed'>, outage: { startedAt: number; labels: Record<string, string> }): Promise<void> {
    const { serviceId, alarmKey, severity, summary } = event.data;
    const policies = await this.slaDocuments.policies(manager, event.tenantId);
    const running = await this.clocks.openForAlarm(manager, event.tenantId, serviceId, alarmKey);
    for (const policy of policies) {
      const objective = resolutionObjectiveFor(policy, { serviceId, severity, labels: outage.labels });
      if (!objective) continue;
      const clock = running.find((c) => c.policy === policy.name);
      if (!clock) {
        await this.startClock(manager, policy, {
          tenantId: event.tenantId, alarm: { alarmKey, serviceId, severity, summary }, labels: outage.labels, raisedAt: outage.startedAt, cause: event,
        });
        continue;
      }
      await this.retime(manager, clock.id, (c) => decideSeverityChange(c, severity, objective), {
        eventId: event.id, change: 'stricter-objective', severity, objective: objective.objective,
      });
    }
  }

  /**
   * A corrected raise: the alarm's clocks count from the corrected, earlier start. A running
   * clock is timed again; a breached one restates its breach at the corrected deadline by an
   * `sla-breached` that corrects the published one (ADR 0011), caused by the correction.
   */
  async correctStart(manager: EntityManager, event: EventEnvelope<'alarm-raised'>, startedAt: number): Promise<void> {
    const { serviceId, alarmKey } = event.data;
    const change = { eventId: event.id, change: 'start-corrected', raisedAt: new Date(startedAt).toISOString() };
    for (const { id, state } of await this.clocks.openForAlarm(manager, event.tenantId, serviceId, alarmKey)) {
      if (state === 'breached') await this.restateBreach(manager, id, event, startedAt, change);
      else await this.retime(manager, id, (c) => decideCorrectedStart(c, startedAt), change);
    }
  }

  private async restateBreach(manager: EntityManager, clockId: string, event: EventEnvelope<'alarm-raised'>, startedAt: number, change: Record<string, unknown>): Promise<void> {
    // A breached clock has no timer left to race with: its row is the only lock taken.
    const clock = await this.clocks.lock(manager, clockId);
    const decision = clock && decideRestatedBreach(clock, startedAt);
    if (!clock || !decision) return;
    const restatement = decision.restatement && this.toEvent(clock, decision.restatement, clock.verdicts + 1, { id: event.id, correlationId: clock.correlationId });
    if (restatement) await this.messaging.publish(manager, [{ event: restatement, key: eventKey(clock.tenantId, clock.alarm.serviceId) }]);
    await this.clocks.retime(manager, clockId, decision.clock, {
      ...change, at: new Date().toISOString(), deadline: { from: new Date(clock.deadline).toISOString(), to: new Date(decision.clock.deadline).toISOString() },
      ...(restatement ? { restated: clock.breachedEventId, restatedBy: restatement.id } : {}),
    });
    if (!restatement) return;
    await this.clocks.update(manager, clockId, { state: 'breached', verdicts: clock.verdicts + 1, breachedEventId: restatement.id });
    this.metrics.verdicts.inc({ type: restatement.type, policy_type: 'resolution' });
  }

  /**
   * A corrected clear: the clocks of that outage record the earlier end. A breach the
   * corrected end avoids is retracted by an `sla-met` that corrects it (ADR 0011), caused by
   * the correction; a clock whose breach's event is not known records `corrected_outcome = 'met'`.
   */
  async correctEnd(manager: EntityManager, event: EventEnvelope<'alarm-cleared'>, outage: { startedAt: number; endedAt: number; previousEnd: number }): Promise<void> {
    const { serviceId, alarmKey } = event.data;
    const ids = await this.clocks.endedInOutage(manager, event.tenantId, serviceId, alarmKey, { from: outage.startedAt, to: outage.previousEnd });
    for (const id of ids) {
      const clock = await this.clocks.lock(manager, id);
      const correction = clock && decideCorrectedClear(clock, outage.endedAt);
      if (!clock || !correction) continue;
      const retraction = correction.retraction && this.toEvent(clock, correction.retraction, clock.verdicts + 1, { id: event.id, correlationId: clock.correlationId });
      if (retraction) await this.messaging.publish(manager, [{ event: retraction, key: eventKey(clock.tenantId, clock.alarm.serviceId) }]);
      await this.clocks.correctClear(manager, id, { ...correction, verdicts: clock.verdicts + (retraction ? 1 : 0) }, {
        eventId: event.id, change: 'end-corrected', clearedAt: new Date(correction.clearedAt).toISOString(),
        ...(correction.correctedOutcome ? { correctedOutcome: correction.correctedOutcome } : {}),
        ...(retraction ? { retractedBy: retraction.id, retracted: clock.breachedEventId } : {}),
      });
      if (retraction) this.metrics.verdicts.inc({ type: retraction.type, policy_type: 'resolution' });
      if (correction.correctedOutcome) {
        this.logger.warn({
          msg: 'corrected clear implies another verdict than the one published, whose event is not known; the published verdict stays', tenantId: clock.tenantId,
          policy: clock.policy, alarmKey, published: clock.state, corrected: correction.correctedOutcome,
        });
      }
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
    // Every verdict is caused by the raise that started the clock and shares its correlation id.
    const events = decision.verdicts.map((verdict, i) => this.toEvent(clock, verdict, clock.verdicts + i + 1, { id: clock.raisedEventId, correlationId: clock.correlationId }));
    await this.messaging.publish(manager, events.map((event) => ({ event, key: eventKey(clock.tenantId, clock.alarm.serviceId) })));
    const breach = events.find((e) => e.type === 'sla-breached');
    const breachedEventId = decision.state === 'breached' ? (breach?.id ?? clock.breachedEventId ?? null) : null;
    await this.clocks.update(manager, clock.id, { state: decision.state, verdicts: clock.verdicts + events.length, cleared: decision.cleared, breachedEventId });
    for (const event of events) this.metrics.verdicts.inc({ type: event.type, policy_type: 'resolution' });
  }

  private toEvent(clock: StoredClock, verdict: Verdict, sequence: number, causedBy: Pick<EventEnvelope, 'id' | 'correlationId'>): EventEnvelope<Verdict['type']> {
    return newEvent({ type: verdict.type, tenantId: clock.tenantId, subject: clock.alarm.alarmKey, sequence, occurredAt: verdict.data.effectiveAt, data: verdict.data, causedBy });
  }

  private async startClock(manager: EntityManager, policy: PolicyDocument, input: AlarmToTime): Promise<void> {
    const objective = resolutionObjectiveFor(policy, { serviceId: input.alarm.serviceId, severity: input.alarm.severity, labels: input.labels });
    if (!objective) return;
    const zone = await this.slaDocuments.zoneOf(manager, input.tenantId);
    const { name: calendarName, calendar } = await this.calendarFor(manager, input.tenantId, objective.calendarName, zone);
    let clock: ResolutionClockState;
    try {
      clock = startResolutionClock({ tenantId: input.tenantId, alarm: { ...input.alarm, raisedAt: new Date(input.raisedAt).toISOString() }, objective, calendarName, calendar });
    } catch (error) {
      // A calendar without working time can never yield a deadline: skip the policy rather than block the alarm stream.
      this.logger.warn({ msg: 'resolution clock not started', tenantId: input.tenantId, policy: policy.name, error: (error as Error).message });
      return;
    }
    const id = await this.clocks.insert(manager, clock, { raisedEventId: input.cause.id, correlationId: input.cause.correlationId });
    if (id === undefined) return;
    await this.arm(manager, id, clock);
  }

  /**
   * Moves a running clock's deadline (a stricter objective, a corrected start) and arms its
   * timers again; a deadline already past fires at the next poll, effective at that deadline.
   * Timers are locked before the clock row, in the order a firing timer takes them, so the
   * two never deadlock: whether anything changes is seen first without a lock, then decided
   * again under the locks.
   */
  private async retime(
    manager: EntityManager, clockId: string, decide: (clock: ResolutionClockState) => ResolutionClockState | undefined, change: Record<string, unknown>,
  ): Promise<void> {
    const seen = await this.clocks.read(manager, clockId);
    if (!seen || !decide(seen)) return;
    for (const kind of ResolutionTimerKinds) await this.timerService.timers.cancel(manager, seen.tenantId, kind, timerSubject(seen.policy, seen.alarm.alarmKey));
    const clock = await this.clocks.lock(manager, clockId);
    if (!clock) return;
    const next = decide(clock);
    if (!next) {
      // A timer fired in between and nothing is left to change: what is still pending is armed as it was.
      if (isPending(clock)) await this.arm(manager, clockId, clock);
      return;
    }
    await this.clocks.retime(manager, clockId, next, {
      ...change, at: new Date().toISOString(), deadline: { from: new Date(clock.deadline).toISOString(), to: new Date(next.deadline).toISOString() },
    });
    await this.arm(manager, clockId, next);
  }

  /** Arms the timers of the verdicts the clock can still publish (at-risk only while it runs). */
  private async arm(manager: EntityManager, clockId: string, clock: ResolutionClockState): Promise<void> {
    const subject = timerSubject(clock.policy, clock.alarm.alarmKey);
    const due: Record<ResolutionTimerKind, number> = { 'resolution-at-risk': clock.atRiskAt, 'resolution-deadline': clock.deadline };
    const kinds = ResolutionTimerKinds.filter((kind) => kind !== 'resolution-at-risk' || clock.state === 'running');
    // Scheduling re-arms the timer of an earlier raise of the same alarm, fired or cancelled.
    await this.timerService.timers.schedule(manager, ...kinds.map((kind) => ({ tenantId: clock.tenantId, kind, subject, dueAt: new Date(due[kind]), payload: { clockId } })));
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
