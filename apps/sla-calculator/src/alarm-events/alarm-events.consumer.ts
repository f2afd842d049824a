import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AlarmEventTypes, Topics, assertNever, isEventOf, type AlarmRef, type AnyEvent, type EventEnvelope } from '@vigil/contracts';
import { useGenericPlans } from '@vigil/persistence';
import { MessagingService } from '@vigil/platform-nest';
import { CorrectResolutionHistoryHandler } from '../correct-resolution-history/correct-resolution-history.handler';
import { JudgeAvailabilityHandler } from '../judge-availability/judge-availability.handler';
import { OutageIntervalsRepository, type OutageOutcome } from '../outage-intervals/outage-intervals.repository';
import { SettleResolutionClocksHandler } from '../settle-resolution-clocks/settle-resolution-clocks.handler';
import { SlaMetrics } from '../sla-metrics';
import { StartResolutionClocksHandler } from '../start-resolution-clocks/start-resolution-clocks.handler';
import { TightenResolutionClocksHandler } from '../tighten-resolution-clocks/tighten-resolution-clocks.handler';

/** How many of a partition's alarm events, already fetched, at most share one transaction. */
const AlarmEventsPerTransaction = 50;

/**
 * The calculator's view of alarms: outage intervals and resolution clocks, both changed
 * in the transaction that records the event in the ledger, so each alarm event takes
 * effect exactly once however often Kafka delivers it.
 */
@Injectable()
export class AlarmEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingService,
    private readonly outages: OutageIntervalsRepository,
    private readonly startClocks: StartResolutionClocksHandler,
    private readonly tightenClocks: TightenResolutionClocksHandler,
    private readonly correctHistory: CorrectResolutionHistoryHandler,
    private readonly settleClocks: SettleResolutionClocksHandler,
    private readonly availability: JudgeAvailabilityHandler,
    private readonly metrics: SlaMetrics,
  ) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'alarm-events',
      topics: [Topics.alarmEvents],
      // A burst of a partition's alarm events shares transactions (ADR 0025): one commit and one
      // read of the tenant's documents and zone for many events, instead of one each.
      eventsPerTransaction: AlarmEventsPerTransaction,
      handle: (event, { manager }) => this.handle(event, manager),
    });
  }

  async handle(event: AnyEvent, manager: EntityManager): Promise<void> {
    const stop = this.metrics.alarmEvents.startTimer({ type: event.type });
    // Every statement an alarm event runs finds its rows by key (ADR 0026).
    await useGenericPlans(manager);
    await this.timeAlarm(event, manager);
    stop();
  }

  /** The outage intervals and resolution clocks, then the availability windows the change touches. */
  private async timeAlarm(event: AnyEvent, manager: EntityManager): Promise<void> {
    // Only alarm events are published on vigil.alarm-events.v1.
    if (!isEventOf(event, AlarmEventTypes)) return;
    switch (event.type) {
      case 'alarm-raised': {
        const outcome = await this.outages.record(manager, event);
        // A repeated raise of an alarm that is already active is the same incident: its clocks already run.
        if (outcome.kind === 'opened') {
          await this.startClocks.forAlarm(manager, { tenantId: event.tenantId, alarm: event.data, labels: outcome.labels, raisedAt: outcome.startedAt, cause: event });
        }
        // A corrected raise: the outage started earlier, and so do its clocks.
        if (outcome.kind === 'start-corrected') await this.correctHistory.startCorrected(manager, event, outcome.startedAt);
        await this.judgeAvailability(manager, event, outcome, [Date.parse(event.data.raisedAt)]);
        return;
      }
      case 'alarm-severity-changed': {
        const outcome = await this.outages.record(manager, event);
        if (outcome.kind === 'opened') {
          // Its raise was never seen: time the alarm as raised at the severity before the change, then change it.
          const { previousSeverity: severity, alarmKey, serviceId, summary } = event.data;
          await this.startClocks.forAlarm(manager, { tenantId: event.tenantId, alarm: { alarmKey, serviceId, severity, summary }, labels: outcome.labels, raisedAt: outcome.startedAt, cause: event });
        }
        if (outcome.kind === 'opened' || outcome.kind === 'severity-changed') await this.tightenClocks.afterSeverityChange(manager, event, outcome);
        await this.judgeAvailability(manager, event, outcome, [Date.parse(event.data.raisedAt), Date.parse(event.data.changedAt)]);
        return;
      }
      case 'alarm-cleared': {
        const outcome = await this.outages.record(manager, event);
        if (outcome.kind === 'end-corrected') await this.correctHistory.endCorrected(manager, event, outcome);
        else await this.settleClocks.afterClear(manager, event);
        const previousEnd = outcome.kind === 'end-corrected' ? [outcome.previousEnd] : [];
        await this.judgeAvailability(manager, event, outcome, [Date.parse(event.data.raisedAt), Date.parse(event.data.clearedAt), ...previousEnd]);
        return;
      }
      case 'alarm-acknowledged':
        // Acknowledging stops escalation, not the SLA: the alarm is still down and a resolution
        // objective measures the time to resolve, so the outage and the clocks keep running.
        return;
      default:
        return assertNever(event);
    }
  }

  /** Every change to the outages can change the service's availability; an event that changed nothing cannot. */
  private async judgeAvailability(
    manager: EntityManager, event: EventEnvelope<'alarm-raised' | 'alarm-severity-changed' | 'alarm-cleared'>, outcome: OutageOutcome, instants: number[],
  ): Promise<void> {
    if (outcome.kind === 'none') return;
    const labels = 'labels' in outcome ? outcome.labels : undefined;
    await this.availability.afterAlarmEvent(manager, event.tenantId, event.data.serviceId, { cause: event, alarm: alarmRef(event.data), labels, instants });
  }
}

const alarmRef = ({ alarmKey, serviceId, severity, summary }: AlarmRef): AlarmRef => ({ alarmKey, serviceId, severity, summary });
