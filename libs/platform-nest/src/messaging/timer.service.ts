import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { inMessageTrace, type MessageHeaders } from '@vigil/observability';
import { DurableTimers, type DueTimer } from '@vigil/persistence';
import { BASE_CONFIG, BaseConfig } from '../base.config';
import { PLATFORM_OPTIONS, type PlatformOptions } from '../platform.options';
import { VigilMetrics } from '../health/vigil-metrics';
import { MessagingService } from './messaging.service';

export type TimerHandler = (timer: DueTimer, manager: EntityManager) => Promise<void>;

/** Polls the service's durable timers and fires due ones through the registered handlers, by kind. */
@Injectable()
export class TimerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TimerService.name);
  readonly timers: DurableTimers;
  private readonly handlers = new Map<string, TimerHandler>();
  private running = false;
  private loop?: Promise<unknown>;
  /** The wake-up of each sleeping lane, by lane index. */
  private readonly sleepers = new Map<number, () => void>();
  /** A kick that came while the polling lane was polling: its poll may have missed what the kick announces. */
  private kickedWhilePolling = false;
  /** When the polling lane will look next, while it sleeps. */
  private nextPollAt?: number;
  /** An earlier wake-up of the polling lane, for a timer armed here that comes due before its next poll. */
  private earlyWake?: { at: number; handle: NodeJS.Timeout };
  /** The earliest due time armed in each open transaction, woken for once it commits. */
  private readonly armedIn = new WeakMap<EntityManager, number>();
  lastPollAt?: Date;

  constructor(
    @Inject(PLATFORM_OPTIONS) options: PlatformOptions,
    @Inject(BASE_CONFIG) private readonly config: BaseConfig,
    dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly metrics: VigilMetrics,
  ) {
    this.timers = new DurableTimers(dataSource, options.schema, (manager, dueAt) => {
      const earliest = this.armedIn.get(manager);
      if (earliest === undefined || dueAt.getTime() < earliest) this.armedIn.set(manager, dueAt.getTime());
    });
    messaging.stopBeforeDrain(() => this.stop());
    messaging.onCommitted((manager) => this.committed(manager));
  }

  on(kind: string, handler: TimerHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Fires what is due now (also used by tests and after scheduling a timer due at once). */
  async fireDue(now = new Date()): Promise<number> {
    const firedIn: EntityManager[] = [];
    const lateness = await this.timers.fireDue(now, async (timer, manager) => {
      const handler = this.handlers.get(timer.kind);
      if (!handler) throw new Error(`no handler for timer kind ${timer.kind}`);
      firedIn.push(manager);
      // A timer scheduled with `...traceHeaders()` in its payload fires in the trace that scheduled it.
      await inMessageTrace(`timer ${timer.kind}`, timer.payload as MessageHeaders, { 'vigil.timer.kind': timer.kind, 'vigil.tenant': timer.tenantId }, () => handler(timer, manager));
    }, 100, (timer, error) => this.logger.warn({ msg: 'timer handler failed; will retry with backoff', kind: timer.kind, subject: timer.subject, error: error.message }));
    for (const ms of lateness) this.metrics.timerLateness.observe(ms / 1000);
    if (lateness.length > 0) this.messaging.flush();
    // Timers the handlers armed (a budget timer re-armed for the next fraction): rolled back ones only cost a poll.
    for (const manager of firedIn) this.committed(manager);
    return lateness.length;
  }

  /**
   * Wakes the polling lane now (a timer was just scheduled due at once, or a deadline moved into
   * the past); it wakes the others if it finds timers due. Waking every lane here would multiply
   * the polls by the lanes.
   */
  kick(): void {
    this.kickedWhilePolling = true;
    this.sleepers.get(0)?.();
  }

  /**
   * A transaction committed: if it armed a timer due before the polling lane looks next, wake
   * the lane then (at once for one already due, such as a deadline a correction moved into the
   * past). Without this such a timer would wait up to TIMER_POLL_MS; a commit that armed nothing
   * due that soon costs nothing, where a kick per consumed event cost a poll per event.
   */
  private committed(manager: EntityManager): void {
    const dueAt = this.armedIn.get(manager);
    if (dueAt === undefined) return;
    this.armedIn.delete(manager);
    this.wakeAt(dueAt);
  }

  private wakeAt(at: number): void {
    const delay = at - Date.now();
    if (delay <= 0) return this.kick();
    if (this.nextPollAt !== undefined && at >= this.nextPollAt) return;
    if (this.earlyWake && this.earlyWake.at <= at) return;
    if (this.earlyWake) clearTimeout(this.earlyWake.handle);
    const handle = setTimeout(() => {
      this.earlyWake = undefined;
      this.kick();
    }, delay);
    handle.unref();
    this.earlyWake = { at, handle };
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers.values()]) wake();
  }

  onApplicationBootstrap(): void {
    this.running = true;
    // Lanes claim with SKIP LOCKED, like replicas: none fires a timer another holds, and a slow
    // timer in one lane leaves the others free for what is due after it.
    this.loop = Promise.all(Array.from({ length: this.config.TIMER_CONCURRENCY }, (_, index) => this.lane(index)));
  }

  /** Finishes the timers in hand and stops polling (called by MessagingService on shutdown). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.earlyWake) clearTimeout(this.earlyWake.handle);
    this.wakeAll();
    await this.loop;
  }

  /**
   * Idle, only the first lane polls (every TIMER_POLL_MS, or at once when kicked). When
   * the first lane finds timers due it wakes them, and every lane keeps firing without a pause
   * until nothing is due: a backlog gets every lane, a quiet service one poll per interval.
   */
  private async lane(index: number): Promise<void> {
    while (this.running) {
      let fired = 0;
      let failed = false;
      if (index === 0) this.kickedWhilePolling = false;
      try {
        fired = await this.fireDue();
        this.lastPollAt = new Date();
      } catch (error) {
        failed = true;
        this.logger.warn({ msg: 'timer poll failed; will retry', error: (error as Error).message });
      }
      if (!this.running) return;
      if (fired > 0) {
        if (index === 0) this.wakeAll();
        continue;
      }
      // The other lanes also look again now and then, should timers come due while the first is busy.
      const wait = index === 0 ? await this.untilNextDue() : this.config.TIMER_POLL_MS * 10;
      // Kicked while it polled: the commit that kicked may have come after the poll looked.
      if (index === 0 && this.kickedWhilePolling && !failed) continue;
      await this.sleep(index, wait);
    }
  }

  /**
   * How long the polling lane sleeps: until the next pending timer comes due, whichever replica
   * armed it, if that is before TIMER_POLL_MS, so a timer fires at its due time rather than up to
   * a poll interval later. Timers already due that this poll could not claim are being fired by
   * another lane or replica, or wait for an earlier timer of their subject: they do not count.
   */
  private async untilNextDue(): Promise<number> {
    const interval = this.config.TIMER_POLL_MS;
    const now = new Date();
    const next = await this.timers.nextDue(now).catch(() => undefined);
    const wait = next === undefined ? interval : next.getTime() - Date.now();
    return Math.max(0, Math.min(wait, interval));
  }

  private sleep(index: number, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(index);
        if (index === 0) this.nextPollAt = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.set(index, wake);
      if (index === 0) this.nextPollAt = Date.now() + ms;
    });
  }
}
