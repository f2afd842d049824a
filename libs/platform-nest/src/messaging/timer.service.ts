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
  private loop?: Promise<void>;
  private wake?: () => void;
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

  kick(): void {
    this.wake?.();
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the timer in hand and stops polling (called by MessagingService on shutdown). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.fireDue();
        this.lastPollAt = new Date();
      } catch (error) {
        this.logger.warn({ msg: 'timer poll failed; will retry', error: (error as Error).message });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.TIMER_POLL_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
