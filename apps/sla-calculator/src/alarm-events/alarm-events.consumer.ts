import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type AnyEvent } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { OutageIntervalsRepository } from '../outage-intervals/outage-intervals.repository';
import { ResolutionClocksService } from '../resolution-clocks/resolution-clocks.service';

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
    private readonly clocks: ResolutionClocksService,
  ) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'alarm-events',
      topics: [Topics.alarmEvents],
      handle: (event, { manager }) => this.handle(event, manager),
    });
  }

  async handle(event: AnyEvent, manager: EntityManager): Promise<void> {
    switch (event.type) {
      case 'alarm-raised': {
        const { opened } = await this.outages.record(manager, event);
        // A repeated raise of an alarm that is already active is the same incident: its clocks already run.
        if (opened) await this.clocks.startClocks(manager, event);
        return;
      }
      case 'alarm-cleared':
        await this.outages.record(manager, event);
        await this.clocks.settleClocks(manager, event);
        return;
      case 'alarm-acknowledged':
        // Acknowledging stops escalation, not the SLA: the alarm is still down and a resolution
        // objective measures the time to resolve, so the outage and the clocks keep running.
        return;
      default:
        // Only alarm events are published on vigil.alarm-events.v1.
        return;
    }
  }
}
