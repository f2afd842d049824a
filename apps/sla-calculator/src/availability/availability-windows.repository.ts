import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AvailabilityFiguresData } from '@vigil/contracts';
import type { SlaWindow } from '@vigil/sla-engine';
import { preparedQuery } from '@vigil/persistence';
import { SlaSchema } from '../migrations';
import type { WindowVerdictState } from './availability.decider';

/** One (policy, service, window) as stored: what has been published, and how many verdicts. */
export interface StoredWindow {
  state: WindowVerdictState;
  verdicts: number;
}

interface WindowRow {
  crossed_fractions: number[];
  firing_rules: string[];
  breached_event_id: string | null;
  breached_at: Date | null;
  verdicts: number;
}

/** The figures of the last evaluation, as the verdicts carry them. */
export type StoredFigures = AvailabilityFiguresData;

const iso = (ms: number) => new Date(ms).toISOString();

/** `sla.availability_windows` (and the lock on a window's timers); every call runs in the caller's transaction. */
@Injectable()
export class AvailabilityWindowsRepository {
  private readonly table = `${SlaSchema}.availability_windows`;
  private readonly timers = `${SlaSchema}.timers`;

  /**
   * The window's row, created when first judged, locked until the caller commits; before it, the
   * window's pending timers (`timers`: their kind and subjects), in the order a firing timer locks
   * them in, so the two never deadlock. Answers the payload of the first pending timer too.
   */
  async lock(
    manager: EntityManager, key: { tenantId: string; policy: string; serviceId: string }, window: SlaWindow, timers: { kind: string; subjects: string[] },
  ): Promise<StoredWindow & { pendingTimer?: Record<string, unknown> }> {
    // The upsert's row comes from counting the locked timers, so it waits until all are locked;
    // either way the window's row comes back locked (an upsert locks what it touches).
    const [row] = await preparedQuery<WindowRow & { pending_timer: Record<string, unknown> | null }>(manager,
      `with pending as (
         select subject, payload from ${this.timers}
         where tenant_id = $1 and kind = $8 and subject = any($9) and fired_at is null and cancelled_at is null
         order by subject for update
       ), locked as (
         insert into ${this.table} (tenant_id, policy, service_id, window_key, window_kind, window_start, window_end)
         select $1, $2, $3, $4, $5, $6, $7 from (select count(*) from pending) as timers_locked
         on conflict (tenant_id, policy, service_id, window_key) do update set updated_at = ${this.table}.updated_at
         returning crossed_fractions, firing_rules, breached_event_id, breached_at, verdicts
       )
       select locked.*, (select payload from pending order by subject limit 1) as pending_timer from locked`,
      [key.tenantId, key.policy, key.serviceId, window.key, window.kind, iso(window.start), iso(window.end), timers.kind, timers.subjects],
    );
    return { ...toStored(row), ...(row.pending_timer ? { pendingTimer: row.pending_timer } : {}) };
  }

  async save(
    manager: EntityManager, key: { tenantId: string; policy: string; serviceId: string }, window: SlaWindow,
    change: { state: WindowVerdictState; verdicts: number; figures: StoredFigures; evaluatedAt: number; corrections: Array<Record<string, unknown>> },
  ): Promise<void> {
    const { state } = change;
    await preparedQuery(manager,
      `update ${this.table} set crossed_fractions = $5, firing_rules = $6, breached_event_id = $7, breached_at = $8, verdicts = $9,
         figures = $10::jsonb, evaluated_at = $11, window_start = $12, window_end = $13, corrections = corrections || $14::jsonb, updated_at = now()
       where tenant_id = $1 and policy = $2 and service_id = $3 and window_key = $4`,
      [
        key.tenantId, key.policy, key.serviceId, window.key, state.crossedFractions, state.firingRules, state.breach?.eventId ?? null,
        state.breach ? iso(state.breach.effectiveAt) : null, change.verdicts, JSON.stringify(change.figures), iso(change.evaluatedAt),
        iso(window.start), iso(window.end), JSON.stringify(change.corrections),
      ],
    );
  }

  /** What has been published for one window, read without a lock; `undefined` before it was first judged. */
  async find(manager: EntityManager, key: { tenantId: string; policy: string; serviceId: string }, windowKey: string): Promise<StoredWindow | undefined> {
    const [row]: WindowRow[] = await manager.query(
      `select crossed_fractions, firing_rules, breached_event_id, breached_at, verdicts from ${this.table}
       where tenant_id = $1 and policy = $2 and service_id = $3 and window_key = $4`,
      [key.tenantId, key.policy, key.serviceId, windowKey],
    );
    return row ? toStored(row) : undefined;
  }
}

function toStored(row: WindowRow): StoredWindow {
  return {
    state: {
      crossedFractions: row.crossed_fractions.map(Number),
      firingRules: row.firing_rules,
      breach: row.breached_event_id && row.breached_at ? { eventId: row.breached_event_id, effectiveAt: row.breached_at.getTime() } : null,
    },
    verdicts: row.verdicts,
  };
}
