import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DueTimer } from '@vigil/persistence';
import { TimerService } from '@vigil/platform-nest';
import { decideLevelDue } from '../domain/escalation.decider';
import { EscalationLevelTimer, EscalationStore, parseLevelTimerSubject } from '../escalations/escalation.store';

/**
 * A level's durable timer came due: page it (`escalation-triggered`) and schedule the
 * next. The escalation row is locked NOWAIT: an acknowledgement holding it locks the
 * row before the timers, this handler the other way round, so waiting could deadlock;
 * failing instead rolls the timer back and the next poll finds it cancelled or fires it.
 */
@Injectable()
export class EscalationLevelTimerHandler implements OnModuleInit {
  private readonly logger = new Logger(EscalationLevelTimerHandler.name);

  constructor(private readonly timers: TimerService, private readonly store: EscalationStore) {}

  onModuleInit(): void {
    this.timers.on(EscalationLevelTimer, (timer, manager) => this.fire(timer, manager));
  }

  async fire(timer: DueTimer, manager: EntityManager, now = new Date()): Promise<void> {
    const due = parseLevelTimerSubject(timer.subject);
    if (!due) {
      // Retrying cannot make a malformed subject readable; let the timer count as fired.
      this.logger.error({ msg: 'escalation timer with an unreadable subject', subject: timer.subject, tenantId: timer.tenantId });
      return;
    }
    const escalation = await this.store.findById(manager, timer.tenantId, due.escalationId, 'nowait');
    if (!escalation) return;
    await this.store.record(manager, escalation, decideLevelDue(escalation, due, now));
  }
}
