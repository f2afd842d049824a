import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { inMessageTrace, type MessageHeaders } from '@vigil/observability';
import { DurableTimers, type DueTimer } from '@vigil/persistence';
import { MessagingService, VigilMetrics } from '@vigil/platform-nest';
import { DeliveryTimerKind } from '../delivery-log/delivery';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier.config';
import { DeliverNotificationHandler } from './deliver-notification.handler';

const TIMERS = 'notifier.timers';
const MAX_RETRY_DELAY_MS = 5 * 60_000;

interface TimerRow { id: string; tenant_id: string; kind: string; subject: string; due_at: Date; retry_at: Date | null; payload: Record<string, unknown> }

/** A claimed delivery timer, with when it was last put off (a failure to record, or a wait for its breaker). */
type ClaimedTimer = DueTimer & { retryAt?: Date };

/** `<tenant>/<channel>` of a delivery timer: the unit a channel's concurrency is counted in. */
export function channelOf(timer: Pick<DueTimer, 'tenantId' | 'payload'>): string {
  return `${timer.tenantId}/${String(timer.payload.channel ?? '')}`;
}

/**
 * The delivery job queue's consumers. `NOTIFIER_DELIVERY_WORKERS` loops each claim one
 * due `delivery` timer (`FOR UPDATE SKIP LOCKED`), make the call in the claiming
 * transaction and mark it fired in that transaction, so a crash mid-call leaves it to be
 * claimed again. A claim skips the channels that already have `NOTIFIER_BULKHEAD_LIMIT`
 * deliveries in flight here, so a receiver that hangs holds at most that many workers
 * and every other channel keeps being delivered (ADR 0013).
 *
 * The platform's timer loop fires one timer at a time; the notifier has no other timers,
 * so it runs this pool instead of it and owns its timers table itself.
 */
@Injectable()
export class DeliveryWorkers implements OnApplicationBootstrap {
  private readonly logger = new Logger(DeliveryWorkers.name);
  readonly timers: DurableTimers;
  private readonly inFlight = new Map<string, number>();
  /** Claims are made one at a time in this process, so two workers never both take a channel's last free slot. */
  private claimTurn: Promise<unknown> = Promise.resolve();
  private running = false;
  private loops: Array<Promise<void>> = [];
  private readonly sleepers = new Set<() => void>();
  /** Counts kicks, so a worker that was busy claiming when one came does not then sleep through it. */
  private kicks = 0;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly metrics: VigilMetrics,
    private readonly handler: DeliverNotificationHandler,
  ) {
    this.timers = new DurableTimers(dataSource, 'notifier');
    messaging.stopBeforeDrain(() => this.stop());
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loops = Array.from({ length: this.config.NOTIFIER_DELIVERY_WORKERS }, (_, i) => this.loop(i));
  }

  /** Wakes the idle workers: a delivery was just planned. */
  kick(): void {
    this.kicks += 1;
    for (const wake of [...this.sleepers]) wake();
  }

  /** Lets the calls in flight finish, then stops (before the outbox relay's last pass). */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await Promise.all(this.loops);
  }

  /** Deliveries in flight in this process, by `<tenant>/<channel>`. */
  busyChannels(): Record<string, number> {
    return Object.fromEntries(this.inFlight);
  }

  private async loop(worker: number): Promise<void> {
    while (this.running) {
      const kicksBefore = this.kicks;
      let fired = false;
      try {
        fired = await this.fireOne();
      } catch (error) {
        this.logger.warn({ msg: 'delivery worker could not claim; will retry', worker, error: (error as Error).message });
      }
      if (!fired && this.running && this.kicks === kicksBefore) await this.sleep(this.config.NOTIFIER_DELIVERY_POLL_MS);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Claims and fires one due delivery; false when none is due (for a channel with room). */
  async fireOne(): Promise<boolean> {
    let claimed: ClaimedTimer | undefined;
    try {
      const lateness = await this.dataSource.transaction(async (manager) => {
        const timer = await this.claim(manager);
        claimed = timer;
        if (!timer) return undefined;
        // In the trace stored with the timer (the consumed escalation event's), as the platform's
        // timer loop does: the outbound call's client span and `traceparent` join that trace.
        const postponed = await inMessageTrace(`timer ${timer.kind}`, timer.payload as MessageHeaders, { 'vigil.timer.kind': timer.kind, 'vigil.tenant': timer.tenantId },
          () => this.handler.deliver(timer, manager));
        if (postponed) {
          // Not an error of this process: the attempt count that drives the backoff below stays as it is.
          await manager.query(`update ${TIMERS} set retry_at = now() + interval '1 millisecond' * $2, last_error = $3 where id = $1`,
            [timer.id, postponed.retryInMs, postponed.reason.slice(0, 2_000)]);
        } else {
          await manager.query(`update ${TIMERS} set fired_at = now() where id = $1`, [timer.id]);
        }
        // Late against when it was asked for: a delivery that waited on purpose is late only from its retry time.
        return Date.now() - (timer.retryAt ?? timer.dueAt).getTime();
      });
      if (lateness === undefined) return false;
      this.metrics.timerLateness.observe(Math.max(0, lateness) / 1000);
      this.messaging.flush();
      return true;
    } catch (error) {
      if (!claimed) throw error;
      // Rolled back: the delivery is still pending. Try it again later rather than at once.
      this.logger.warn({ msg: 'delivery failed to record; will retry with backoff', subject: claimed.subject, error: (error as Error).message });
      await this.dataSource.query(
        `update ${TIMERS} set attempts = attempts + 1, last_error = $2,
           retry_at = now() + least(interval '1 millisecond' * $3, interval '1 second' * power(2, attempts)) where id = $1`,
        [claimed.id, (error as Error).message.slice(0, 2_000), MAX_RETRY_DELAY_MS],
      );
      return true;
    } finally {
      if (claimed) this.release(channelOf(claimed));
    }
  }

  private claim(manager: EntityManager): Promise<ClaimedTimer | undefined> {
    const turn = this.claimTurn.then(async () => {
      const full = [...this.inFlight].filter(([, n]) => n >= this.config.NOTIFIER_BULKHEAD_LIMIT).map(([channel]) => channel);
      const rows: TimerRow[] = await manager.query(
        `select id, tenant_id, kind, subject, due_at, retry_at, payload from ${TIMERS}
         where kind = $1 and fired_at is null and cancelled_at is null and coalesce(retry_at, due_at) <= now()
           and not (tenant_id || '/' || coalesce(payload->>'channel', '')) = any($2::text[])
         order by coalesce(retry_at, due_at) limit 1 for update skip locked`,
        [DeliveryTimerKind, full],
      );
      if (rows.length === 0) return undefined;
      const [row] = rows;
      const timer: ClaimedTimer = {
        id: String(row.id), tenantId: row.tenant_id, kind: row.kind, subject: row.subject, dueAt: new Date(row.due_at),
        retryAt: row.retry_at ? new Date(row.retry_at) : undefined, payload: row.payload,
      };
      const channel = channelOf(timer);
      this.inFlight.set(channel, (this.inFlight.get(channel) ?? 0) + 1);
      return timer;
    });
    this.claimTurn = turn.catch(() => undefined);
    return turn;
  }

  private release(channel: string): void {
    const was = this.inFlight.get(channel) ?? 1;
    if (was > 1) this.inFlight.set(channel, was - 1);
    else this.inFlight.delete(channel);
    // A worker may have gone to sleep because this channel was full.
    if (was >= this.config.NOTIFIER_BULKHEAD_LIMIT) this.kick();
  }
}
