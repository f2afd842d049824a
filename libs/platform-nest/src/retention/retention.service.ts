import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ledgerRetentionRule } from '@vigil/messaging';
import { Poller, runRetention, timerRetentionRule, validateRule, type RetentionRule, type RetentionRun } from '@vigil/persistence';
import { VigilMetrics } from '../health/vigil-metrics';
import { PLATFORM_OPTIONS, type PlatformOptions } from '../platform.options';
import { RETENTION_CONFIG, RetentionConfig } from './retention.config';

/** After start, the first run waits this long (or the interval, if shorter): a service that restarts often still prunes. */
const FIRST_RUN_AFTER_MS = 60_000;

/**
 * Deletes what the service's retention rules let go (ADR 0028), every RETENTION_INTERVAL_MS: the
 * processed-event ledger, the durable timers when the service has them, and the rules the service
 * registers (`PlatformOptions.retention`). One replica at a time prunes a schema; at shutdown the
 * batch in hand finishes and the run stops.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  readonly rules: RetentionRule[];
  private readonly lockName: string;
  private readonly poller: Poller;
  private stopping = false;

  constructor(
    @Inject(PLATFORM_OPTIONS) options: PlatformOptions,
    @Inject(RETENTION_CONFIG) private readonly config: RetentionConfig,
    private readonly dataSource: DataSource,
    private readonly metrics: VigilMetrics,
  ) {
    const windows = config.windows();
    this.rules = [
      ledgerRetentionRule(options.schema, windows.ledgerMs),
      ...(options.timers ? [timerRetentionRule(options.schema, windows.timersMs)] : []),
      ...(options.retention?.(windows) ?? []),
    ].map(validateRule);
    this.lockName = `vigil-retention:${options.schema}`;
    // Every table shows in /metrics from the start, at 0 until something goes.
    for (const rule of this.rules) metrics.retentionDeleted.inc({ table: rule.table }, 0);
    this.poller = new Poller(async () => {
      await this.runOnce();
      return false;
    }, {
      idleMs: config.RETENTION_INTERVAL_MS,
      onError: (error) => this.logger.warn({ msg: 'retention run failed; will run again at the next interval', error: error.message }),
    });
  }

  onApplicationBootstrap(): void {
    this.poller.start(Math.min(FIRST_RUN_AFTER_MS, this.config.RETENTION_INTERVAL_MS));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Lets the batch in hand finish and runs nothing more. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.poller.stop();
  }

  /** One run of every rule, measured from `now`. */
  async runOnce(now = new Date()): Promise<RetentionRun> {
    const started = Date.now();
    const run = await runRetention(this.dataSource, this.rules, {
      now, lockName: this.lockName, batchSize: this.config.RETENTION_BATCH_SIZE, shouldStop: () => this.stopping,
    });
    const deleted = run.outcomes.filter((o) => o.deleted > 0);
    for (const { table, deleted: rows } of deleted) this.metrics.retentionDeleted.inc({ table }, rows);
    if (deleted.length > 0) {
      this.logger.log({ msg: 'retention deleted rows', deleted, durationMs: Date.now() - started, ...(run.stopped ? { stopped: true } : {}) });
    }
    return run;
  }
}
