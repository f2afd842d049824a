import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AlarmRef, EventEnvelope } from '@vigil/contracts';
import { ConfigDocumentsService } from '@vigil/platform-nest';
import { aroundTheClock, calendarFromSpec, type BusinessCalendar } from '@vigil/sla-engine';
import { startResolutionClock, type ResolutionClockState } from '../resolution-clocks/resolution-clock.decider';
import { ResolutionClockTimers } from '../resolution-clocks/resolution-clock.timer';
import { ResolutionClocksRepository } from '../resolution-clocks/resolution-clocks.repository';
import { resolutionObjectiveFor, type PolicyDocument } from '../resolution-clocks/resolution-policy.matcher';
import { SlaDocuments } from '../sla-policies/sla-documents';

/** An alarm to time: what the clocks need of it, and the event their verdicts are caused by. */
export interface AlarmToTime {
  tenantId: string;
  alarm: AlarmRef;
  labels: Record<string, string>;
  /** The start of the outage (source time, epoch ms). */
  raisedAt: number;
  cause: Pick<EventEnvelope, 'id' | 'correlationId'>;
}

/**
 * Starts a clock per resolution policy that times an alarm, on the policy's business calendar,
 * and arms its at-risk and deadline timers. Always in the caller's transaction.
 */
@Injectable()
export class StartResolutionClocksHandler {
  private readonly logger = new Logger(StartResolutionClocksHandler.name);

  constructor(
    private readonly documents: ConfigDocumentsService,
    private readonly slaDocuments: SlaDocuments,
    private readonly clocks: ResolutionClocksRepository,
    private readonly timers: ResolutionClockTimers,
  ) {}

  /**
   * A newly active alarm: one clock for each resolution policy with an objective for it,
   * measured from the start of the outage. `cause` is the event every verdict of the clock
   * is caused by (the raise, or the severity change that gave the alarm an objective).
   */
  async forAlarm(manager: EntityManager, input: AlarmToTime): Promise<void> {
    const policies = await this.slaDocuments.policies(manager, input.tenantId);
    for (const policy of policies) await this.start(manager, policy, input);
  }

  /**
   * A resolution policy applied after alarms were raised: each of them it times, still active and
   * without a clock of the policy, starts one now, measured from the start of its outage like any
   * other (a deadline already past breaches at once, effective at it). Verdicts are caused by the
   * applied document. A clock already running keeps the objective and calendar it started with.
   */
  async forPolicy(manager: EntityManager, tenantId: string, policyName: string, alarms: Array<Omit<AlarmToTime, 'tenantId' | 'cause'>>, cause: AlarmToTime['cause']): Promise<void> {
    const policy = (await this.slaDocuments.policies(manager, tenantId)).find((p) => p.name === policyName);
    if (!policy) return;
    for (const alarm of alarms) await this.start(manager, policy, { ...alarm, tenantId, cause });
  }

  /** The policy's clock of the alarm, if the policy has an objective for it and does not time it yet. */
  async start(manager: EntityManager, policy: PolicyDocument, input: AlarmToTime): Promise<void> {
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
    await this.timers.arm(manager, id, clock);
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
