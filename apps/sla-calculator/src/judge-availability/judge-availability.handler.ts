import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventKey, newEvent, type AlarmRef, type EventEnvelope } from '@vigil/contracts';
import { MessagingService, TimerService } from '@vigil/platform-nest';
import { slaWindowAt, type Interval, type SlaWindow, type SlaWindowKind } from '@vigil/sla-engine';
import { AvailabilityTimerKind, availabilityTimerSubjects, type BudgetTimerPayload } from '../availability/availability-budget.timer';
import { availabilityPoliciesFor, type AvailabilityPolicy } from '../availability/availability-policy.matcher';
import { BurnRateHistoryMs, decideAvailability, type AvailabilityDecision, type AvailabilityVerdict } from '../availability/availability.decider';
import { AvailabilityWindowsRepository } from '../availability/availability-windows.repository';
import { OutageIntervalsRepository, type ServiceOutage } from '../outage-intervals/outage-intervals.repository';
import { policySelectsAlarm, type PolicyDocument } from '../sla-policies/policy-selection';
import { SlaDocuments } from '../sla-policies/sla-documents';
import { SlaMetrics } from '../sla-metrics';
import { figuresData, iso, verdictData } from './availability-verdict.mapper';

/** What set an evaluation off. */
export interface EvaluationTrigger {
  /** The event the verdicts are caused by (the alarm event, the applied document, the event that armed a timer). */
  cause: Pick<EventEnvelope, 'id' | 'correlationId'>;
  /** The subject of the timer being fired, when a timer set the evaluation off. */
  firing?: string;
  /** The alarm of the event, named by the verdicts it causes. */
  alarm?: AlarmRef;
  /** The alarm's labels: a policy with a selector is judged only for alarms it selects. Absent: every policy of the service. */
  labels?: Record<string, string>;
  /** Source instants the event concerns: the calendar windows holding them are judged too, so a late event restates them. */
  instants: number[];
}

/** How far back a late event may restate a calendar window. */
const RESTATE_MS = 400 * 86_400_000;

/**
 * Judges the availability windows an alarm event or an applied document concerns
 * (`decideAvailability`), publishes the verdicts through the outbox, keeps what was published
 * per (policy, service, window) and arms a timer for when an open outage will have spent the
 * next part of the budget (fired by `fire-budget-timer`). Always in the caller's transaction.
 */
@Injectable()
export class JudgeAvailabilityHandler {
  constructor(
    private readonly messaging: MessagingService,
    private readonly timerService: TimerService,
    private readonly slaDocuments: SlaDocuments,
    private readonly outages: OutageIntervalsRepository,
    private readonly windows: AvailabilityWindowsRepository,
    private readonly metrics: SlaMetrics,
  ) {}

  /** An alarm event changed the service's outages: judge the policies that count its alarm. */
  async afterAlarmEvent(manager: EntityManager, tenantId: string, serviceId: string, trigger: EvaluationTrigger): Promise<void> {
    const policies = await this.slaDocuments.policies(manager, tenantId);
    const concerned = availabilityPoliciesFor(policies, serviceId, trigger.labels);
    if (concerned.length > 0) await this.evaluate(manager, tenantId, serviceId, concerned, trigger, 'alarm-event');
  }

  /**
   * A MaintenanceWindow or an availability SLAPolicy was applied: judge again every service it
   * concerns that has outages in the windows, so a window cut out of an outage restates its verdicts.
   */
  async afterDocumentApplied(manager: EntityManager, tenantId: string, services: readonly string[], trigger: EvaluationTrigger, only?: string): Promise<void> {
    const policies = (await this.slaDocuments.policies(manager, tenantId)).filter((p) => only === undefined || p.name === only);
    const now = Date.now();
    const known = await this.outages.servicesWithOutages(manager, tenantId, { from: now - RESTATE_MS, to: now });
    const candidates = services.includes('*') ? known : known.filter((s) => services.includes(s));
    for (const serviceId of candidates) {
      const concerned = availabilityPoliciesFor(policies, serviceId);
      if (concerned.length > 0) await this.evaluate(manager, tenantId, serviceId, concerned, trigger, 'document-applied', now);
    }
  }

  /** Judges each policy's windows concerned: the current one and those holding the trigger's instants. */
  async evaluate(
    manager: EntityManager, tenantId: string, serviceId: string, policies: Array<{ document: PolicyDocument; rules: AvailabilityPolicy }>,
    trigger: EvaluationTrigger, kind: string, now = Date.now(),
  ): Promise<void> {
    const stopTimer = this.metrics.calculations.startTimer({ trigger: kind });
    const zone = await this.slaDocuments.zoneOf(manager, tenantId);
    const plan = policies.map((p) => ({ ...p, windows: windowsToJudge(p.rules.window, now, zone, trigger.instants) }));
    const from = Math.min(now - BurnRateHistoryMs, ...plan.flatMap((p) => p.windows.map((w) => w.start)));
    const history = await this.outages.serviceHistory(manager, tenantId, serviceId, { from, to: now });
    const maintenance = await this.slaDocuments.maintenanceOf(manager, tenantId, serviceId);
    for (const { document, rules, windows } of plan) {
      const outages = history.filter((o) => policySelectsAlarm(document.spec, serviceId, o.labels));
      for (const window of windows) await this.judge(manager, { tenantId, serviceId, rules, window, outages, maintenance, trigger, now });
    }
    stopTimer();
  }

  private async judge(
    manager: EntityManager,
    input: { tenantId: string; serviceId: string; rules: AvailabilityPolicy; window: SlaWindow; outages: ServiceOutage[]; maintenance: Interval[]; trigger: EvaluationTrigger; now: number },
  ): Promise<void> {
    const { tenantId, serviceId, rules, window, trigger } = input;
    const key = { tenantId, policy: rules.name, serviceId };
    const subjects = availabilityTimerSubjects(rules.name, serviceId, window.key);
    // The window's timers before its row: the order a firing timer takes them in, so the two never deadlock.
    const stored = await this.windows.lock(manager, key, window, { kind: AvailabilityTimerKind, subjects });
    const pendingCause = (stored.pendingTimer as { cause?: EvaluationTrigger['cause'] } | undefined)?.cause;
    const stopDecision = this.metrics.decisions.startTimer();
    const decision = decideAvailability({ policy: rules, window, now: input.now, outages: input.outages, maintenance: input.maintenance, state: stored.state });
    stopDecision();
    const subject = `${rules.name}/${serviceId}/${window.key}`;
    const events = decision.verdicts.map((verdict, i) =>
      newEvent({
        type: verdict.type, tenantId, subject, sequence: stored.verdicts + i + 1, occurredAt: iso(verdict.effectiveAt),
        data: verdictData(verdict, { rules, serviceId, window, decision, alarm: causingAlarm(verdict, trigger, decision) }),
        causedBy: trigger.cause,
      }),
    );
    const state = decision.state;
    const breachEvent = events.filter((e) => e.type === 'sla-breached').at(-1);
    if (state.breach && state.breach.eventId === '' && breachEvent) state.breach = { ...state.breach, eventId: breachEvent.id };
    if (events.length > 0) await this.messaging.publish(manager, events.map((event) => ({ event, key: eventKey(tenantId, serviceId) })));
    const corrections = events.filter((e) => e.data.corrects).map((e) => ({ eventId: e.id, type: e.type, corrects: e.data.corrects, causedBy: trigger.cause.id, at: iso(input.now) }));
    await this.windows.save(manager, key, window, { state, verdicts: stored.verdicts + events.length, figures: figuresData(decision), evaluatedAt: input.now, corrections });
    for (const event of events) this.metrics.verdicts.inc({ type: event.type, policy_type: 'availability' });
    // What the timer's verdicts will be caused by: the alarm event behind the downtime, kept across
    // re-arming by a timer or an applied document, which only re-judge it.
    const timerCause = trigger.alarm || !pendingCause ? { id: trigger.cause.id, correlationId: trigger.cause.correlationId } : pendingCause;
    // The window's pending timer gives way to the next wake-up, if any: the rows are locked since
    // `windows.lock`, and this statement sees one a firing timer armed while that waited.
    await this.timerService.timers.replace(manager, { tenantId, kind: AvailabilityTimerKind, subjects }, decision.wakeAt === undefined ? undefined : {
      subject: subjects[trigger.firing === subjects[0] ? 1 : 0], dueAt: new Date(decision.wakeAt),
      payload: { policy: rules.name, serviceId, windowKey: window.key, windowStart: window.start, cause: timerCause } satisfies BudgetTimerPayload,
    });
  }
}

/** The current window and, for calendar windows, those holding the event's instants (a late event restates them). */
export function windowsToJudge(kind: SlaWindowKind, now: number, zone: string, instants: readonly number[]): SlaWindow[] {
  const current = slaWindowAt(kind, now, zone);
  if (kind === 'rolling-30d') return [current];
  const windows = new Map<string, SlaWindow>([[current.key, current]]);
  for (const instant of instants) {
    if (!Number.isFinite(instant) || instant >= current.start || instant < now - RESTATE_MS) continue;
    const window = slaWindowAt(kind, instant, zone);
    windows.set(window.key, window);
  }
  return [...windows.values()].sort((a, b) => a.start - b.start);
}

/** A verdict names one alarm when one alarm brought it about: the event's alarm, or the only one still down. Corrections name none. */
function causingAlarm(verdict: AvailabilityVerdict, trigger: EvaluationTrigger, decision: AvailabilityDecision): AlarmRef | undefined {
  if ('corrects' in verdict && verdict.corrects) return undefined;
  const behind = decision.alarms;
  if (trigger.alarm) return behind.some((a) => a.alarm.alarmKey === trigger.alarm!.alarmKey) ? trigger.alarm : undefined;
  const open = behind.filter((a) => a.endedAt === null);
  return open.length === 1 ? open[0].alarm : undefined;
}
