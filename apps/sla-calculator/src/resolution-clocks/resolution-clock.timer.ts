import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TimerService } from '@vigil/platform-nest';
import { ResolutionTimerKinds, isPending, type ResolutionClockState, type ResolutionTimerKind } from './resolution-clock.decider';
import { ResolutionClocksRepository } from './resolution-clocks.repository';

/** The durable timers' subject: one pair of timers per policy and alarm. */
export const timerSubject = (policy: string, alarmKey: string) => `${policy}/${alarmKey}`;

/**
 * A clock's at-risk and deadline timers: armed when it starts, cancelled when it ends, armed
 * again when its deadline moves. Always in the caller's transaction.
 */
@Injectable()
export class ResolutionClockTimers {
  constructor(private readonly timerService: TimerService, private readonly clocks: ResolutionClocksRepository) {}

  /** Arms the timers of the verdicts the clock can still publish (at-risk only while it runs). */
  async arm(manager: EntityManager, clockId: string, clock: ResolutionClockState): Promise<void> {
    const subject = timerSubject(clock.policy, clock.alarm.alarmKey);
    const due: Record<ResolutionTimerKind, number> = { 'resolution-at-risk': clock.atRiskAt, 'resolution-deadline': clock.deadline };
    const kinds = ResolutionTimerKinds.filter((kind) => kind !== 'resolution-at-risk' || clock.state === 'running');
    // Scheduling re-arms the timer of an earlier raise of the same alarm, fired or cancelled.
    await this.timerService.timers.schedule(manager, ...kinds.map((kind) => ({ tenantId: clock.tenantId, kind, subject, dueAt: new Date(due[kind]), payload: { clockId } })));
  }

  /** Cancels (and so locks) the timers of the policy's clock of the alarm. */
  async cancel(manager: EntityManager, tenantId: string, policy: string, alarmKey: string): Promise<void> {
    for (const kind of ResolutionTimerKinds) await this.timerService.timers.cancel(manager, tenantId, kind, timerSubject(policy, alarmKey));
  }

  /**
   * Moves a running clock's deadline (a stricter objective, a corrected start) and arms its
   * timers again; a deadline already past fires at the next poll, effective at that deadline.
   * Timers are locked before the clock row, in the order a firing timer takes them, so the
   * two never deadlock: whether anything changes is seen first without a lock, then decided
   * again under the locks.
   */
  async retime(
    manager: EntityManager, clockId: string, decide: (clock: ResolutionClockState) => ResolutionClockState | undefined, change: Record<string, unknown>,
  ): Promise<void> {
    const seen = await this.clocks.read(manager, clockId);
    if (!seen || !decide(seen)) return;
    await this.cancel(manager, seen.tenantId, seen.policy, seen.alarm.alarmKey);
    const clock = await this.clocks.lock(manager, clockId);
    if (!clock) return;
    const next = decide(clock);
    if (!next) {
      // A timer fired in between and nothing is left to change: what is still pending is armed as it was.
      if (isPending(clock)) await this.arm(manager, clockId, clock);
      return;
    }
    await this.clocks.retime(manager, clockId, next, {
      ...change, at: new Date().toISOString(), deadline: { from: new Date(clock.deadline).toISOString(), to: new Date(next.deadline).toISOString() },
    });
    await this.arm(manager, clockId, next);
  }
}
