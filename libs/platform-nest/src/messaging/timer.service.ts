import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { inMessageTrace, type MessageHeaders } from '@vigil/observability';
import { DurableTimers, Poller, type DueTimer } from '@vigil/persistence';
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
  private readonly poller: Poller;
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
    // Lanes claim with SKIP LOCKED, like replicas: none fires a timer another holds, and a slow
    // timer in one lane leaves the others free for what is due after it. Idle, only the first
    // lane polls (every TIMER_POLL_MS, or at once when kicked); when it finds timers due it
    // wakes the others, and every lane keeps firing until nothing is due: a backlog gets every
    // lane, a quiet service one poll per interval. The others also look now and then, should
    // timers come due while the first is busy.
    this.poller = new Poller(async () => {
      const fired = await this.fireDue();
      this.lastPollAt = new Date();
      return fired > 0;
    }, {
      lanes: config.TIMER_CONCURRENCY,
      idleMs: config.TIMER_POLL_MS,
      idleWait: (lane) => (lane === 0 ? this.untilNextDue() : config.TIMER_POLL_MS * 10),
      kick: 'first',
      wakeOthersOnWork: true,
      onError: (error) => this.logger.warn({ msg: 'timer poll failed; will retry', error: error.message }),
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
    this.poller.kick();
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
    const nextPollAt = this.poller.nextPollAt;
    if (nextPollAt !== undefined && at >= nextPollAt) return;
    if (this.earlyWake && this.earlyWake.at <= at) return;
    if (this.earlyWake) clearTimeout(this.earlyWake.handle);
    const handle = setTimeout(() => {
      this.earlyWake = undefined;
      this.kick();
    }, delay);
    handle.unref();
    this.earlyWake = { at, handle };
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  /** Finishes the timers in hand and stops polling (called by MessagingService on shutdown). */
  async stop(): Promise<void> {
    if (this.earlyWake) clearTimeout(this.earlyWake.handle);
    await this.poller.stop();
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
}
