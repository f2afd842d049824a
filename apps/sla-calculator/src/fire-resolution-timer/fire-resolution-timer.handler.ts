import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TimerService } from '@vigil/platform-nest';
import type { DueTimer } from '@vigil/persistence';
import { ResolutionTimerKinds, type ResolutionTimerKind } from '../resolution-clocks/resolution-clock.decider';
import { ResolutionClocksRepository } from '../resolution-clocks/resolution-clocks.repository';
import { ResolutionVerdictPublisher } from '../resolution-clocks/resolution-verdict.publisher';

/** A clock's at-risk or deadline timer came due: `sla-at-risk` or `sla-breached`, effective at its due time. */
@Injectable()
export class FireResolutionTimerHandler implements OnModuleInit {
  private readonly logger = new Logger(FireResolutionTimerHandler.name);

  constructor(
    private readonly timerService: TimerService,
    private readonly clocks: ResolutionClocksRepository,
    private readonly verdicts: ResolutionVerdictPublisher,
  ) {}

  onModuleInit(): void {
    for (const kind of ResolutionTimerKinds) this.timerService.on(kind, (timer, manager) => this.fire(kind, timer, manager));
  }

  async fire(kind: ResolutionTimerKind, timer: DueTimer, manager: EntityManager): Promise<void> {
    const clockId = timer.payload.clockId;
    const clock = typeof clockId === 'string' ? await this.clocks.lock(manager, clockId) : undefined;
    if (!clock) {
      // Never throw here: a timer that fails every time would hold up the timers due after it.
      this.logger.warn({ msg: 'timer without its resolution clock ignored', tenantId: timer.tenantId, kind, subject: timer.subject });
      return;
    }
    await this.verdicts.apply(manager, clock, { type: 'timer-fired', kind, dueAt: timer.dueAt.getTime() });
  }
}
