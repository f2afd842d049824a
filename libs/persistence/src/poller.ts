/**
 * One poll loop for work kept in tables (the outbox relay, durable timers, the notifier's
 * deliveries), framework-free. Each of `lanes` loops runs `pass`; a pass that did work is
 * followed by another at once, one that found nothing by a sleep of `idleMs` (or what
 * `idleWait` says), one that failed by `failureWait`. A kick ends a sleep; a kick that came
 * while a pass was running sends that lane round again, since the pass may have looked
 * before the work it announces had committed. Lanes claim with `SKIP LOCKED`, like replicas.
 */
export interface PollerOptions {
  /** Loops running side by side (default 1). */
  lanes?: number;
  /** How long a lane sleeps after a pass that found nothing. */
  idleMs: number;
  /** A lane's own idle sleep, overriding `idleMs` (the timers' polling lane sleeps until the next due one). */
  idleWait?: (lane: number) => number | Promise<number>;
  /** How long a lane sleeps after its `failures`-th failure in a row (default `idleMs`). */
  failureWait?: (failures: number) => number;
  /**
   * Which lanes a kick wakes: `all` (default), or `first`: only the first lane polls when
   * idle, and wakes the others when it finds work (`wakeOthersOnWork`), so a quiet service
   * makes one query per interval however many lanes it has.
   */
  kick?: 'all' | 'first';
  /** When the first lane's pass did work, wake the sleeping lanes to share it. */
  wakeOthersOnWork?: boolean;
  onError?: (error: Error, lane: number, failures: number) => void;
}

export class Poller {
  private running = false;
  private loops?: Promise<void[]>;
  private readonly sleepers = new Map<number, () => void>();
  /** Kicks seen by each lane: a lane kicked while its pass ran goes round again. */
  private kicks = 0;
  private firstLaneWakesAt?: number;
  /** Consecutive failures of the latest pass of any lane; 0 after a pass that succeeded. */
  failures = 0;
  lastError?: Error;

  constructor(private readonly pass: (lane: number) => Promise<boolean>, private readonly options: PollerOptions) {}

  /** Starts the lanes; with `firstPassAfterMs`, each sleeps that long first (a kick ends the sleep). */
  start(firstPassAfterMs = 0): void {
    if (this.running) return;
    this.running = true;
    this.loops = Promise.all(Array.from({ length: this.options.lanes ?? 1 }, (_, lane) => this.loop(lane, firstPassAfterMs)));
  }

  /** Wakes the lanes a kick wakes: work was just committed. */
  kick(): void {
    this.kicks += 1;
    if (this.options.kick === 'first') this.sleepers.get(0)?.();
    else this.wakeAll();
  }

  /** When the first lane will look next of its own accord; undefined while it is not sleeping. */
  get nextPollAt(): number | undefined {
    return this.firstLaneWakesAt;
  }

  /** Lets the passes in hand finish, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeAll();
    await this.loops;
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers.values()]) wake();
  }

  private async loop(lane: number, firstPassAfterMs: number): Promise<void> {
    const hearsKicks = lane === 0 || this.options.kick !== 'first';
    if (firstPassAfterMs > 0) await this.sleep(lane, firstPassAfterMs);
    while (this.running) {
      const kicksBefore = this.kicks;
      let didWork = false;
      let wait: number;
      try {
        didWork = await this.pass(lane);
        this.failures = 0;
        this.lastError = undefined;
        if (!this.running) return;
        if (didWork) {
          if (lane === 0 && this.options.wakeOthersOnWork) this.wakeAll();
          continue;
        }
        wait = this.options.idleWait ? await this.options.idleWait(lane) : this.options.idleMs;
        // Kicked while it looked: the commit that kicked may have come after the pass read.
        if (hearsKicks && this.kicks !== kicksBefore) continue;
      } catch (error) {
        this.failures += 1;
        this.lastError = error as Error;
        this.options.onError?.(error as Error, lane, this.failures);
        if (!this.running) return;
        // After a failure the wait holds, kicked or not: retrying at once would hammer what failed.
        wait = this.options.failureWait?.(this.failures) ?? this.options.idleMs;
      }
      await this.sleep(lane, Math.max(0, wait));
    }
  }

  private sleep(lane: number, ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(lane);
        if (lane === 0) this.firstLaneWakesAt = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.set(lane, wake);
      if (lane === 0) this.firstLaneWakesAt = Date.now() + ms;
    });
  }
}
