import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Resolution, Severity } from '@vigil/contracts';
import type { BusinessCalendar } from '@vigil/sla-engine';
import { preparedQuery } from '@vigil/persistence';
import { SlaSchema } from '../migrations';
import type { ClockState, CorrectedClear, ResolutionClockState } from './resolution-clock.decider';

/** A clock as stored: its state plus what its verdicts need (the raise that caused it, how many it emitted). */
export interface StoredClock extends ResolutionClockState {
  id: string;
  verdicts: number;
  raisedEventId: string;
  correlationId: string;
}

interface ClockRow {
  id: string; tenant_id: string; policy: string; alarm_key: string; service_id: string; severity: string; summary: string;
  objective: string; objective_ms: string; at_risk_fraction: number; calendar_name: string | null; calendar: BusinessCalendar;
  raised_at: Date; at_risk_at: Date; deadline: Date; state: ClockState; cleared_at: Date | null; verdicts: number;
  raised_event_id: string; correlation_id: string; breached_event_id: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toClock(row: ClockRow): StoredClock {
  return {
    id: String(row.id),
    tenantId: row.tenant_id,
    policy: row.policy,
    alarm: { alarmKey: row.alarm_key, serviceId: row.service_id, severity: row.severity as Severity, summary: row.summary },
    objective: row.objective,
    objectiveMs: Number(row.objective_ms),
    atRiskFraction: row.at_risk_fraction,
    calendarName: row.calendar_name,
    calendar: row.calendar,
    raisedAt: new Date(row.raised_at).getTime(),
    atRiskAt: new Date(row.at_risk_at).getTime(),
    deadline: new Date(row.deadline).getTime(),
    state: row.state,
    clearedAt: row.cleared_at ? new Date(row.cleared_at).getTime() : null,
    breachedEventId: row.breached_event_id,
    verdicts: row.verdicts,
    raisedEventId: row.raised_event_id,
    correlationId: row.correlation_id,
  };
}

/** `sla.resolution_clocks`; every call runs in the caller's transaction. */
@Injectable()
export class ResolutionClocksRepository {
  private readonly table = `${SlaSchema}.resolution_clocks`;

  /**
   * Stores a new clock; `undefined` when this raise already has one, or the policy already
   * times this alarm (one open clock per policy and alarm).
   */
  async insert(manager: EntityManager, clock: ResolutionClockState, cause: { raisedEventId: string; correlationId: string }): Promise<string | undefined> {
    const rows = await preparedQuery<{ id: string }>(manager,
      `insert into ${this.table} (tenant_id, policy, alarm_key, service_id, severity, summary, objective, objective_ms, at_risk_fraction,
         calendar_name, calendar, raised_at, at_risk_at, deadline, state, raised_event_id, correlation_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16, $17)
       on conflict do nothing returning id`,
      [
        clock.tenantId, clock.policy, clock.alarm.alarmKey, clock.alarm.serviceId, clock.alarm.severity, clock.alarm.summary,
        clock.objective, clock.objectiveMs, clock.atRiskFraction, clock.calendarName, JSON.stringify(clock.calendar),
        iso(clock.raisedAt), iso(clock.atRiskAt), iso(clock.deadline), clock.state, cause.raisedEventId, cause.correlationId,
      ],
    );
    return rows[0] ? String(rows[0].id) : undefined;
  }

  /** The alarm's clocks that have not seen its clear yet (read without a lock: the caller locks each in order). */
  async openForAlarm(manager: EntityManager, tenantId: string, serviceId: string, alarmKey: string): Promise<Array<{ id: string; policy: string; state: ClockState }>> {
    const rows: Array<{ id: string; policy: string; state: ClockState }> = await manager.query(
      `select id, policy, state from ${this.table} where tenant_id = $1 and alarm_key = $2 and service_id = $3 and cleared_at is null order by id`,
      [tenantId, alarmKey, serviceId],
    );
    return rows.map((r) => ({ id: String(r.id), policy: r.policy, state: r.state }));
  }

  /**
   * The alarm's clocks that ended within an outage (started in it, cleared): what a corrected
   * clear of that outage corrects. Read without a lock, like `openForAlarm`.
   */
  async endedInOutage(manager: EntityManager, tenantId: string, serviceId: string, alarmKey: string, outage: { from: number; to: number }): Promise<string[]> {
    const rows: Array<{ id: string }> = await manager.query(
      `select id from ${this.table}
       where tenant_id = $1 and alarm_key = $2 and service_id = $3 and cleared_at is not null and raised_at >= $4 and raised_at <= $5
       order by id`,
      [tenantId, alarmKey, serviceId, iso(outage.from), iso(outage.to)],
    );
    return rows.map((r) => String(r.id));
  }

  async lock(manager: EntityManager, id: string): Promise<StoredClock | undefined> {
    const [row] = await manager.query(`select * from ${this.table} where id = $1 for update`, [id]);
    return row ? toClock(row as ClockRow) : undefined;
  }

  /** The clock as it is, without a lock: to see whether a change is due before taking the locks in order. */
  async read(manager: EntityManager, id: string): Promise<StoredClock | undefined> {
    const [row] = await manager.query(`select * from ${this.table} where id = $1`, [id]);
    return row ? toClock(row as ClockRow) : undefined;
  }

  /** A new objective or start for a running clock, with what changed it (kept for the audit of its verdicts). */
  async retime(manager: EntityManager, id: string, clock: ResolutionClockState, change: Record<string, unknown>): Promise<void> {
    await manager.query(
      `update ${this.table} set severity = $2, objective = $3, objective_ms = $4, at_risk_fraction = $5, raised_at = $6, at_risk_at = $7, deadline = $8,
         changes = changes || $9::jsonb, updated_at = now()
       where id = $1`,
      [id, clock.alarm.severity, clock.objective, clock.objectiveMs, clock.atRiskFraction, iso(clock.raisedAt), iso(clock.atRiskAt), iso(clock.deadline),
        JSON.stringify([change])],
    );
  }

  /** A corrected, earlier clear of a clock that has ended; a retracted breach leaves it met, with one more verdict. */
  async correctClear(manager: EntityManager, id: string, correction: CorrectedClear & { verdicts: number }, change: Record<string, unknown>): Promise<void> {
    await manager.query(
      `update ${this.table} set cleared_at = $2, corrected_outcome = coalesce($3, corrected_outcome), changes = changes || $4::jsonb,
         state = case when $5 then 'met' else state end, breached_event_id = case when $5 then null else breached_event_id end, verdicts = $6, updated_at = now()
       where id = $1`,
      [id, iso(correction.clearedAt), correction.correctedOutcome ?? null, JSON.stringify([change]), correction.retraction !== undefined, correction.verdicts],
    );
  }

  /** A verdict decided: the new state, and the breach's event id while a breach stands (a retraction clears it). */
  async update(
    manager: EntityManager, id: string, change: { state: ClockState; verdicts: number; cleared?: { at: number; resolution: Resolution }; breachedEventId: string | null },
  ): Promise<void> {
    await manager.query(
      `update ${this.table} set state = $2, verdicts = $3, cleared_at = coalesce($4, cleared_at), resolution = coalesce($5, resolution), breached_event_id = $6, updated_at = now()
       where id = $1`,
      [id, change.state, change.verdicts, change.cleared ? iso(change.cleared.at) : null, change.cleared?.resolution ?? null, change.breachedEventId],
    );
  }

  /** The tenant's clocks still running (not cleared), by deadline: what the status API lists. */
  async running(manager: EntityManager, tenantId: string, serviceId?: string): Promise<StoredClock[]> {
    const rows: ClockRow[] = await manager.query(
      `select * from ${this.table} where tenant_id = $1 and cleared_at is null and ($2::text is null or service_id = $2) order by deadline, id`,
      [tenantId, serviceId ?? null],
    );
    return rows.map(toClock);
  }
}
