import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { inMessageTrace, type MessageHeaders } from '@vigil/observability';
import { DurableTimers, Poller, type ClaimedTimer, type DueTimer } from '@vigil/persistence';
import { MessagingService, VigilMetrics } from '@vigil/platform-nest';
import { DeliveryTimerKind } from '../delivery-log/delivery';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier.config';
import { DeliverNotificationHandler } from './deliver-notification.handler';

/** `<tenant>/<channel>` of a delivery timer: the unit a channel's concurrency is counted in. */
export function channelOf(timer: Pick<DueTimer, 'tenantId' | 'payload'>): string {
  return `${timer.tenantId}/${String(timer.payload.channel ?? '')}`;
}

/**
 * The delivery job queue's consumers. `NOTIFIER_DELIVERY_WORKERS` loops each claim one
 * due `delivery` timer (claimed as every durable timer is, skipping those claimed elsewhere), make the call in the claiming
 * transaction and mark it fired in that transaction, so a crash mid-call leaves it to be
 * claimed again. A claim skips the channels that already have `NOTIFIER_BULKHEAD_LIMIT`
 * deliveries in flight here, so a receiver that hangs holds at most that many workers
 * and every other channel keeps being delivered (ADR 0013).
 *
 * The platform's timer service fires timers through handlers by kind, in subject order; a
 * delivery needs room on its channel instead, so the notifier, which has no other timers,
 * runs this pool on the same poller and durable timers, with a claim filter.
 */
@Injectable()
export class DeliveryWorkers implements OnApplicationBootstrap {
  private readonly logger = new Logger(DeliveryWorkers.name);
  readonly timers: DurableTimers;
  private readonly inFlight = new Map<string, number>();
  /** Claims are made one at a time in this process, so two workers never both take a channel's last free slot. */
  private claimTurn: Promise<unknown> = Promise.resolve();
  private readonly poller: Poller;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly metrics: VigilMetrics,
    private readonly handler: DeliverNotificationHandler,
  ) {
    this.timers = new DurableTimers(dataSource, 'notifier');
    this.poller = new Poller(() => this.fireOne(), {
      lanes: config.NOTIFIER_DELIVERY_WORKERS,
      idleMs: config.NOTIFIER_DELIVERY_POLL_MS,
      onError: (error, worker) => this.logger.warn({ msg: 'delivery worker could not claim; will retry', worker, error: error.message }),
    });
    messaging.stopBeforeDrain(() => this.stop());
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  /** Wakes the idle workers: a delivery was just planned. */
  kick(): void {
    this.poller.kick();
  }

  /** Lets the calls in flight finish, then stops (before the outbox relay's last pass). */
  async stop(): Promise<void> {
    await this.poller.stop();
  }

  /** Deliveries in flight in this process, by `<tenant>/<channel>`. */
  busyChannels(): Record<string, number> {
    return Object.fromEntries(this.inFlight);
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
        if (postponed) await this.timers.postpone(manager, timer.id, postponed.retryInMs, postponed.reason);
        else await this.timers.markFired(manager, timer.id);
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
      await this.timers.retryLater(claimed.id, error as Error);
      return true;
    } finally {
      if (claimed) this.release(channelOf(claimed));
    }
  }

  /** A due delivery of a channel with room, counted in flight here; deliveries of one escalation need no order among them. */
  private claim(manager: EntityManager): Promise<ClaimedTimer | undefined> {
    const turn = this.claimTurn.then(async () => {
      const full = [...this.inFlight].filter(([, n]) => n >= this.config.NOTIFIER_BULKHEAD_LIMIT).map(([channel]) => channel);
      const timer = await this.timers.claim(manager, new Date(), { kind: DeliveryTimerKind, skipGroups: { payloadKey: 'channel', groups: full }, anyOrder: true });
      if (!timer) return undefined;
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
