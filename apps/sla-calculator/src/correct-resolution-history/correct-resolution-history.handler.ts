import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventKey, type EventEnvelope } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { SlaMetrics } from '../sla-metrics';
import { decideCorrectedClear, decideCorrectedStart, decideRestatedBreach } from '../resolution-clocks/resolution-clock.decider';
import { ResolutionClockTimers } from '../resolution-clocks/resolution-clock.timer';
import { ResolutionClocksRepository } from '../resolution-clocks/resolution-clocks.repository';
import { ResolutionVerdictPublisher } from '../resolution-clocks/resolution-verdict.publisher';

/**
 * Late and corrected alarm events (`corrects`): the alarm's clocks are timed again from the
 * corrected start or end, and a verdict corrected history changes is restated or retracted by
 * an event that corrects it (ADR 0011), caused by the correction. Always in the caller's transaction.
 */
@Injectable()
export class CorrectResolutionHistoryHandler {
  private readonly logger = new Logger(CorrectResolutionHistoryHandler.name);

  constructor(
    private readonly messaging: MessagingService,
    private readonly clocks: ResolutionClocksRepository,
    private readonly timers: ResolutionClockTimers,
    private readonly verdicts: ResolutionVerdictPublisher,
    private readonly metrics: SlaMetrics,
  ) {}

  /**
   * A corrected raise: the alarm's clocks count from the corrected, earlier start. A running
   * clock is timed again; a breached one restates its breach at the corrected deadline by an
   * `sla-breached` that corrects the published one (ADR 0011), caused by the correction.
   */
  async startCorrected(manager: EntityManager, event: EventEnvelope<'alarm-raised'>, startedAt: number): Promise<void> {
    const { serviceId, alarmKey } = event.data;
    const change = { eventId: event.id, change: 'start-corrected', raisedAt: new Date(startedAt).toISOString() };
    for (const { id, state } of await this.clocks.openForAlarm(manager, event.tenantId, serviceId, alarmKey)) {
      if (state === 'breached') await this.restateBreach(manager, id, event, startedAt, change);
      else await this.timers.retime(manager, id, (c) => decideCorrectedStart(c, startedAt), change);
    }
  }

  private async restateBreach(manager: EntityManager, clockId: string, event: EventEnvelope<'alarm-raised'>, startedAt: number, change: Record<string, unknown>): Promise<void> {
    // A breached clock has no timer left to race with: its row is the only lock taken.
    const clock = await this.clocks.lock(manager, clockId);
    const decision = clock && decideRestatedBreach(clock, startedAt);
    if (!clock || !decision) return;
    const restatement = decision.restatement && this.verdicts.toEvent(clock, decision.restatement, clock.verdicts + 1, { id: event.id, correlationId: clock.correlationId });
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
  async endCorrected(manager: EntityManager, event: EventEnvelope<'alarm-cleared'>, outage: { startedAt: number; endedAt: number; previousEnd: number }): Promise<void> {
    const { serviceId, alarmKey } = event.data;
    const ids = await this.clocks.endedInOutage(manager, event.tenantId, serviceId, alarmKey, { from: outage.startedAt, to: outage.previousEnd });
    for (const id of ids) {
      const clock = await this.clocks.lock(manager, id);
      const correction = clock && decideCorrectedClear(clock, outage.endedAt);
      if (!clock || !correction) continue;
      const retraction = correction.retraction && this.verdicts.toEvent(clock, correction.retraction, clock.verdicts + 1, { id: event.id, correlationId: clock.correlationId });
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
}
