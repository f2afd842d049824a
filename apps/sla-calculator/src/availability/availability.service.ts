import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventKey, newEvent, type AlarmRef, type AvailabilityFiguresData, type EventEnvelope, type SlaVerdictData } from '@vigil/contracts';
import { ConfigDocumentsService, MessagingService, TimerService } from '@vigil/platform-nest';
import { useGenericPlans, type DueTimer } from '@vigil/persistence';
import { slaWindowAt, type Interval, type SlaWindow, type SlaWindowKind } from '@vigil/sla-engine';
import { OutageIntervalsRepository, type ServiceOutage } from '../outage-intervals/outage-intervals.repository';
import { formatDuration } from '../resolution-clocks/format-duration';
import { policySelectsAlarm, type PolicyDocument } from '../sla-policies/policy-selection';
import { SlaDocuments } from '../sla-policies/sla-documents';
import { SlaMetrics } from '../sla-metrics';
import { availabilityPoliciesFor, type AvailabilityPolicy } from './availability-policy.matcher';
import { decideAvailability, type AvailabilityDecision, type AvailabilityVerdict } from './availability.decider';
import { AvailabilityWindowsRepository } from './availability-windows.repository';

/** The one timer kind of availability: look again when an open outage will have spent the next part of the budget. */
export const AvailabilityTimerKind = 'availability-budget';

/**
 * A window's timer takes turns between two subjects (`…#0`, `…#1`): the handler of a firing timer
 * arms the next one under the other, because the poller stamps the row it fired after the
 * handler and would stamp a re-armed one with it. Exact subjects keep every lookup on the
 * timers' unique index, however many timers are pending.
 */
export const availabilityTimerSubjects = (policy: string, serviceId: string, windowKey: string): [string, string] => {
  const base = `${policy}/${serviceId}/${windowKey}`;
  return [`${base}#0`, `${base}#1`];
};

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
/** The longest burn-rate window: the history an evaluation needs before its window starts. */
const BURN_HISTORY_MS = 3 * 86_400_000;
const MINUTE_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const minutes = (ms: number) => Math.round((ms / MINUTE_MS) * 1000) / 1000;

/**
 * Availability SLAs: after each alarm event that touches a service's outages, each timer and
 * each maintenance window or policy applied, judges every availability window concerned
 * (`decideAvailability`), publishes the verdicts through the outbox, keeps what was published
 * per (policy, service, window) and arms a timer for when an open outage will have spent the
 * next part of the budget. Always in the caller's transaction.
 */
@Injectable()
export class AvailabilityService implements OnModuleInit {
  private readonly logger = new Logger(AvailabilityService.name);

  constructor(
    private readonly messaging: MessagingService,
    private readonly timerService: TimerService,
    private readonly documents: ConfigDocumentsService,
    private readonly slaDocuments: SlaDocuments,
    private readonly outages: OutageIntervalsRepository,
    private readonly windows: AvailabilityWindowsRepository,
    private readonly metrics: SlaMetrics,
  ) {}

  onModuleInit(): void {
    this.timerService.on(AvailabilityTimerKind, (timer, manager) => this.onTimer(timer, manager));
  }

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

  private async onTimer(timer: DueTimer, manager: EntityManager): Promise<void> {
    // Like an alarm event's, every statement of an evaluation finds its rows by key (ADR 0026).
    await useGenericPlans(manager);
    const { policy: name, serviceId, windowStart, cause } = timer.payload as { policy?: string; serviceId?: string; windowStart?: number; cause?: EvaluationTrigger['cause'] };
    const policy = name === undefined ? undefined : await this.documents.get(timer.tenantId, 'SLAPolicy', name, manager);
    const concerned = policy && serviceId ? availabilityPoliciesFor([policy], serviceId) : [];
    if (concerned.length === 0 || !serviceId || !cause) {
      // Never throw here: a timer that fails every time would hold up the timers due after it.
      this.logger.warn({ msg: 'availability timer without its policy ignored', tenantId: timer.tenantId, subject: timer.subject });
      return;
    }
    // The window that armed it (judged at its end if it is over), and the current one, which a window ending hands over to.
    await this.evaluate(manager, timer.tenantId, serviceId, concerned, { cause, firing: timer.subject, instants: typeof windowStart === 'number' ? [windowStart] : [] }, 'timer');
  }

  /** Judges each policy's windows concerned: the current one and those holding the trigger's instants. */
  async evaluate(
    manager: EntityManager, tenantId: string, serviceId: string, policies: Array<{ document: PolicyDocument; rules: AvailabilityPolicy }>,
    trigger: EvaluationTrigger, kind: string, now = Date.now(),
  ): Promise<void> {
    const stopTimer = this.metrics.calculations.startTimer({ trigger: kind });
    const zone = await this.slaDocuments.zoneOf(manager, tenantId);
    const plan = policies.map((p) => ({ ...p, windows: windowsToJudge(p.rules.window, now, zone, trigger.instants) }));
    const from = Math.min(now - BURN_HISTORY_MS, ...plan.flatMap((p) => p.windows.map((w) => w.start)));
    const history = await this.outages.serviceHistory(manager, tenantId, serviceId, { from, to: now });
    const maintenance = await this.maintenanceOf(manager, tenantId, serviceId);
    for (const { document, rules, windows } of plan) {
      const outages = history.filter((o) => policySelectsAlarm(document.spec, serviceId, o.labels));
      for (const window of windows) await this.judge(manager, { tenantId, serviceId, rules, window, outages, maintenance, trigger, now });
    }
    stopTimer();
  }

  /** The figures of every window of the service as of `now`, without publishing anything: what the status API shows. */
  async figures(
    manager: EntityManager, tenantId: string, serviceId: string, policy: { document: PolicyDocument; rules: AvailabilityPolicy }, now: number,
  ): Promise<{ window: SlaWindow; decision: AvailabilityDecision }> {
    const zone = await this.slaDocuments.zoneOf(manager, tenantId);
    const window = slaWindowAt(policy.rules.window, now, zone);
    const history = await this.outages.serviceHistory(manager, tenantId, serviceId, { from: Math.min(window.start, now - BURN_HISTORY_MS), to: now });
    const outages = history.filter((o) => policySelectsAlarm(policy.document.spec, serviceId, o.labels));
    const maintenance = await this.maintenanceOf(manager, tenantId, serviceId);
    const decision = decideAvailability({ policy: policy.rules, window, now, outages, maintenance, state: { crossedFractions: [], firingRules: [], breach: null } });
    return { window, decision };
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
      payload: { policy: rules.name, serviceId, windowKey: window.key, windowStart: window.start, cause: timerCause },
    });
  }

  /** The tenant's maintenance windows that cover the service. */
  private async maintenanceOf(manager: EntityManager, tenantId: string, serviceId: string): Promise<Interval[]> {
    const documents = await this.slaDocuments.maintenanceWindows(manager, tenantId);
    return documents
      .filter((d) => d.spec.services.includes('*') || d.spec.services.includes(serviceId))
      .map((d) => ({ start: Date.parse(d.spec.from), end: Date.parse(d.spec.to) }))
      .filter((i) => i.end > i.start);
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

function figuresData(decision: AvailabilityDecision): AvailabilityFiguresData {
  const f = decision.figures;
  return {
    objectivePercentage: f.objectivePercentage,
    compliancePercentage: f.compliancePercentage,
    periodInProgress: f.periodInProgress,
    measuredMinutes: minutes(f.measuredMs),
    downtimeMinutes: minutes(f.downtimeMs),
    errorBudgetMinutes: minutes(f.errorBudgetMs),
    errorBudgetUsedMinutes: minutes(f.errorBudgetUsedMs),
    errorBudgetLeftMinutes: minutes(f.errorBudgetLeftMs),
    burnRates: f.burnRates.map((r) => ({
      rule: r.rule.name, factor: r.rule.factor, longWindow: formatDuration(r.rule.longWindowMs), shortWindow: formatDuration(r.rule.shortWindowMs),
      longRate: r.longRate, shortRate: r.shortRate, firing: r.firing,
    })),
  };
}

export function verdictData(
  verdict: AvailabilityVerdict,
  context: { rules: AvailabilityPolicy; serviceId: string; window: SlaWindow; decision: AvailabilityDecision; alarm?: AlarmRef },
): SlaVerdictData {
  const { rules, serviceId, window, decision } = context;
  const consumed = decision.figures.budgetConsumed;
  return {
    policy: rules.name,
    policyType: 'availability',
    serviceId,
    ...(context.alarm ? { alarm: context.alarm } : {}),
    reason: verdict.reason,
    ...(Number.isFinite(consumed) ? { budgetConsumed: consumed } : {}),
    effectiveAt: iso(verdict.effectiveAt),
    window: { kind: window.kind, key: window.key, start: iso(window.start), end: iso(window.end) },
    availability: figuresData(decision),
    ...(verdict.type === 'sla-at-risk' && verdict.atRiskFraction !== undefined ? { atRiskFraction: verdict.atRiskFraction } : {}),
    ...(verdict.type === 'sla-at-risk' && verdict.burnRateRule !== undefined ? { burnRateRule: verdict.burnRateRule } : {}),
    alarms: decision.alarms.map((a) => ({ ...a.alarm, startedAt: iso(a.startedAt), endedAt: a.endedAt === null ? null : iso(a.endedAt), downtimeMinutes: minutes(a.downtimeMs) })),
    ...(verdict.type !== 'sla-at-risk' && verdict.corrects ? { corrects: verdict.corrects } : {}),
  };
}
