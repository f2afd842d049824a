/** What the load knows of one alarm: its source times, and what ingestion said about it. */
export interface LoadAlarm {
  alarmKey: string;
  severity: 'critical' | 'major';
  raisedAt: number;
  /** The source's clear time: `raisedAt` + the alarm's hold. */
  clearAt: number;
  /** Event ids of the answers that said `recorded` (a 202 for a change that made an event). */
  raiseEventId?: string;
  clearEventId?: string;
  raiseAnswered: boolean;
  clearAnswered: boolean;
}

export interface SteadyLoadOptions {
  url: string;
  token: string;
  serviceId: string;
  /** One request per tick: the next raise and every clear that has fallen due. */
  intervalMs: number;
  /** How long alarm number `i` stays raised, in source time. */
  holdMs: (i: number) => number;
}

interface Change { alarmId: string; serviceId: string; severity: string; status: 'raised' | 'cleared'; summary: string; source: string; occurredAt: string }

/**
 * A monitor posting alarm changes at a steady pace, as a real one would through outages:
 * a change that was not answered 202 is sent again on the next tick with its original
 * source time, so the ledger ends complete whatever failed in between.
 */
export class SteadyLoad {
  readonly alarms = new Map<string, LoadAlarm>();
  requests = 0;
  failures = 0;
  private next = 0;
  private raising = true;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(private readonly options: SteadyLoadOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.inFlight) this.inFlight = this.tick().finally(() => (this.inFlight = undefined));
    }, this.options.intervalMs);
  }

  /** Stops at once, owed changes or not (a failed run must not leave the load ticking). */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops raising, then sends every clear still owed (waiting for each to fall due) until all are answered. */
  async finish(timeoutMs: number): Promise<void> {
    this.raising = false;
    const started = Date.now();
    while ([...this.alarms.values()].some((a) => !a.raiseAnswered || !a.clearAnswered)) {
      if (Date.now() - started > timeoutMs) throw new Error(`the load could not deliver its last changes within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs));
    }
    clearInterval(this.timer);
    await this.inFlight;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    if (this.raising) {
      const i = this.next++;
      const alarmKey = `load-${String(i).padStart(5, '0')}`;
      this.alarms.set(alarmKey, {
        alarmKey, severity: i % 2 === 0 ? 'critical' : 'major', raisedAt: now, clearAt: now + this.options.holdMs(i), raiseAnswered: false, clearAnswered: false,
      });
    }
    const changes: Change[] = [];
    for (const alarm of this.alarms.values()) {
      if (!alarm.raiseAnswered) changes.push(this.change(alarm, 'raised'));
      else if (!alarm.clearAnswered && alarm.clearAt <= now) changes.push(this.change(alarm, 'cleared'));
    }
    if (changes.length === 0) return;
    this.requests += 1;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ alarms: changes }),
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status !== 202) {
        this.failures += 1;
        await response.body?.cancel();
        return;
      }
      const { results } = (await response.json()) as { results: Array<{ alarmId: string; result: string; eventId?: string }> };
      results.forEach((result, k) => {
        const alarm = this.alarms.get(result.alarmId)!;
        if (changes[k].status === 'raised') {
          alarm.raiseAnswered = true;
          alarm.raiseEventId ??= result.eventId;
        } else {
          alarm.clearAnswered = true;
          alarm.clearEventId ??= result.eventId;
        }
      });
    } catch {
      // Refused, reset or timed out while something is down: sent again on the next tick.
      this.failures += 1;
    }
  }

  private change(alarm: LoadAlarm, status: 'raised' | 'cleared'): Change {
    return {
      alarmId: alarm.alarmKey, serviceId: this.options.serviceId, severity: alarm.severity, status,
      summary: `${alarm.alarmKey} under fire`, source: 'faults', occurredAt: new Date(status === 'raised' ? alarm.raisedAt : alarm.clearAt).toISOString(),
    };
  }
}
