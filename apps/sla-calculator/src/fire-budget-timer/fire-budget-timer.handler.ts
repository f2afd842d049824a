import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConfigDocumentsService, TimerService } from '@vigil/platform-nest';
import { useGenericPlans, type DueTimer } from '@vigil/persistence';
import { AvailabilityTimerKind, type BudgetTimerPayload } from '../availability/availability-budget.timer';
import { availabilityPoliciesFor } from '../availability/availability-policy.matcher';
import { JudgeAvailabilityHandler } from '../judge-availability/judge-availability.handler';

/**
 * An open outage has spent the next part of a window's error budget (a fraction, the exhaustion,
 * a burn-rate rule) or the calendar window ended: the window is judged again without any event,
 * so a breach is published while the outage goes on.
 */
@Injectable()
export class FireBudgetTimerHandler implements OnModuleInit {
  private readonly logger = new Logger(FireBudgetTimerHandler.name);

  constructor(
    private readonly timerService: TimerService,
    private readonly documents: ConfigDocumentsService,
    private readonly judge: JudgeAvailabilityHandler,
  ) {}

  onModuleInit(): void {
    this.timerService.on(AvailabilityTimerKind, (timer, manager) => this.fire(timer, manager));
  }

  async fire(timer: DueTimer, manager: EntityManager): Promise<void> {
    // Like an alarm event's, every statement of an evaluation finds its rows by key (ADR 0026).
    await useGenericPlans(manager);
    const { policy: name, serviceId, windowStart, cause } = timer.payload as Partial<BudgetTimerPayload>;
    const policy = name === undefined ? undefined : await this.documents.get(timer.tenantId, 'SLAPolicy', name, manager);
    const concerned = policy && serviceId ? availabilityPoliciesFor([policy], serviceId) : [];
    if (concerned.length === 0 || !serviceId || !cause) {
      // Never throw here: a timer that fails every time would hold up the timers due after it.
      this.logger.warn({ msg: 'availability timer without its policy ignored', tenantId: timer.tenantId, subject: timer.subject });
      return;
    }
    // The window that armed it (judged at its end if it is over), and the current one, which a window ending hands over to.
    await this.judge.evaluate(manager, timer.tenantId, serviceId, concerned, { cause, firing: timer.subject, instants: typeof windowStart === 'number' ? [windowStart] : [] }, 'timer');
  }
}
