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
  lastPollAt?: Date;

  constructor(
    @Inject(PLATFORM_OPTIONS) options: PlatformOptions,
    @Inject(BASE_CONFIG) private readonly config: BaseConfig,
    dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly metrics: VigilMetrics,
  ) {
    this.timers = new DurableTimers(dataSource, options.schema);
    messaging.stopBeforeDrain(() => this.stop());
  }

  on(kind: string, handler: TimerHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Fires what is due now (also used by tests and after scheduling a timer due at once). */
  async fireDue(now = new Date()): Promise<number> {
    const lateness = await this.timers.fireDue(now, async (timer, manager) => {
      const handler = this.handlers.get(timer.kind);
      if (!handler) throw new Error(`no handler for timer kind ${timer.kind}`);
      // A timer scheduled with `...traceHeaders()` in its payload fires in the trace that scheduled it.
      await inMessageTrace(`timer ${timer.kind}`, timer.payload as MessageHeaders, { 'vigil.timer.kind': timer.kind, 'vigil.tenant': timer.tenantId }, () => handler(timer, manager));
    }, 100, (timer, error) => this.logger.warn({ msg: 'timer handler failed; will retry with backoff', kind: timer.kind, subject: timer.subject, error: error.message }));
    for (const ms of lateness) this.metrics.timerLateness.observe(ms / 1000);
    if (lateness.length > 0) this.messaging.flush();
    return lateness.length;
  }

  /**
   * Wakes the polling lane now (a timer was just scheduled due at once, or a deadline moved into
   * the past); it wakes the others if it finds timers due. Consumers kick after every event, so
   * waking every lane here would multiply the polls by the lanes.
   */
  kick(): void {
    this.sleepers.get(0)?.();
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
      try {
        fired = await this.fireDue();
        this.lastPollAt = new Date();
      } catch (error) {
        this.logger.warn({ msg: 'timer poll failed; will retry', error: (error as Error).message });
      }
      if (!this.running) return;
      if (fired > 0) {
        if (index === 0) this.wakeAll();
        continue;
      }
      // The other lanes also look again now and then, should timers come due while the first is busy.
      await this.sleep(index, index === 0 ? this.config.TIMER_POLL_MS : this.config.TIMER_POLL_MS * 10);
    }
  }

  private sleep(index: number, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(index);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.set(index, wake);
    });
  }
}
