import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@vigil/contracts';
import { decideSeverityChange } from '../resolution-clocks/resolution-clock.decider';
import { ResolutionClockTimers } from '../resolution-clocks/resolution-clock.timer';
import { ResolutionClocksRepository } from '../resolution-clocks/resolution-clocks.repository';
import { resolutionObjectiveFor } from '../resolution-clocks/resolution-policy.matcher';
import { SlaDocuments } from '../sla-policies/sla-documents';
import { StartResolutionClocksHandler } from '../start-resolution-clocks/start-resolution-clocks.handler';

/**
 * The active alarm changed severity: the objectives of the new severity apply to its clocks when
 * they are stricter (see *Severity changes and resolution clocks* in the README). Always in the
 * caller's transaction.
 */
@Injectable()
export class TightenResolutionClocksHandler {
  constructor(
    private readonly slaDocuments: SlaDocuments,
    private readonly clocks: ResolutionClocksRepository,
    private readonly timers: ResolutionClockTimers,
    private readonly startClocks: StartResolutionClocksHandler,
  ) {}

  /**
   * Per resolution policy with an objective for the new severity: a clock already running takes
   * the new objective only if it is stricter, still measured from the start of the outage (see
   * `decideSeverityChange`); a policy that did not time the alarm at its old severity starts a
   * clock now, measured from the start of the outage too. A laxer objective, or none, changes nothing.
   */
  async afterSeverityChange(manager: EntityManager, event: EventEnvelope<'alarm-severity-changed'>, outage: { startedAt: number; labels: Record<string, string> }): Promise<void> {
    const { serviceId, alarmKey, severity, summary } = event.data;
    const policies = await this.slaDocuments.policies(manager, event.tenantId);
    const running = await this.clocks.openForAlarm(manager, event.tenantId, serviceId, alarmKey);
    for (const policy of policies) {
      const objective = resolutionObjectiveFor(policy, { serviceId, severity, labels: outage.labels });
      if (!objective) continue;
      const clock = running.find((c) => c.policy === policy.name);
      if (!clock) {
        await this.startClocks.start(manager, policy, {
          tenantId: event.tenantId, alarm: { alarmKey, serviceId, severity, summary }, labels: outage.labels, raisedAt: outage.startedAt, cause: event,
        });
        continue;
      }
      await this.timers.retime(manager, clock.id, (c) => decideSeverityChange(c, severity, objective), {
        eventId: event.id, change: 'stricter-objective', severity, objective: objective.objective,
      });
    }
  }
}
