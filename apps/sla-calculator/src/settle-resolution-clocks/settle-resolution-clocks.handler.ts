import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@vigil/contracts';
import { ResolutionClockTimers } from '../resolution-clocks/resolution-clock.timer';
import { ResolutionClocksRepository } from '../resolution-clocks/resolution-clocks.repository';
import { ResolutionVerdictPublisher } from '../resolution-clocks/resolution-verdict.publisher';

/** The alarm cleared: its clocks end as met, breached or cancelled. Always in the caller's transaction. */
@Injectable()
export class SettleResolutionClocksHandler {
  constructor(
    private readonly clocks: ResolutionClocksRepository,
    private readonly timers: ResolutionClockTimers,
    private readonly verdicts: ResolutionVerdictPublisher,
  ) {}

  /** Each clock of the alarm still open ends by the clear's verdict, and its timers are cancelled. */
  async afterClear(manager: EntityManager, event: EventEnvelope<'alarm-cleared'>): Promise<void> {
    const { serviceId, alarmKey } = event.data;
    for (const { id, policy } of await this.clocks.openForAlarm(manager, event.tenantId, serviceId, alarmKey)) {
      // Timers before the clock row: the same lock order as a firing timer, so the two never deadlock.
      await this.timers.cancel(manager, event.tenantId, policy, alarmKey);
      const clock = await this.clocks.lock(manager, id);
      if (clock) await this.verdicts.apply(manager, clock, event);
    }
  }
}
