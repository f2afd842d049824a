import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { assertNever, type AlarmRef, type Severity } from '@vigil/contracts';
import { preparedQuery } from '@vigil/persistence';
import { SlaSchema } from '../migrations';
import { decideOutage, type AlarmEvent, type AlarmOutages, type OutageDecision } from './outage-interval.decider';
import { latestSeverity, type RecordedOutage, type SeverityChange } from '@vigil/sla-engine';

/** What an alarm event did to the alarm's intervals: what the resolution clocks react to. */
export type OutageOutcome =
  | { kind: 'opened'; startedAt: number; labels: Record<string, string> }
  | { kind: 'start-corrected'; startedAt: number }
  | { kind: 'severity-changed'; startedAt: number; labels: Record<string, string> }
  | { kind: 'closed' }
  | { kind: 'end-corrected'; startedAt: number; endedAt: number; previousEnd: number }
  | { kind: 'none' };

/** An outage as availability reads it: the engine's `RecordedOutage` plus the alarm and its labels. */
export interface ServiceOutage extends RecordedOutage {
  alarm: AlarmRef;
  labels: Record<string, string>;
}

interface OutageRow {
  id: string;
  started_at: Date;
  ended_at: Date | null;
  labels: Record<string, string>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The labels an interval opened by the event keeps: a raise states them, a severity change does not. */
const labelsOf = (event: AlarmEvent): Record<string, string> => (event.type === 'alarm-raised' ? event.data.labels ?? {} : {});

/**
 * Outage intervals per (tenant, service, alarm) in `sla.outages`, and the severity over time
 * of each in `sla.outage_severities`; every write goes through the caller's transaction.
 */
@Injectable()
export class OutageIntervalsRepository {
  private readonly table = `${SlaSchema}.outages`;
  private readonly severities = `${SlaSchema}.outage_severities`;
  /** The alarm's open interval, else the latest that ended ($1 tenant, $2 service, $3 alarm). */
  private readonly latestOf = `select id, started_at, ended_at, labels from ${this.table}
    where tenant_id = $1 and service_id = $2 and alarm_key = $3
    order by (ended_at is null) desc, started_at desc limit 1`;

  /** Applies an alarm event to the alarm's intervals and says what changed (the resolution clocks follow). */
  async record(manager: EntityManager, event: AlarmEvent): Promise<OutageOutcome> {
    // What the event does to an alarm without history: most raises are of a new alarm, and then one
    // statement looks for its history and, finding none, opens the interval.
    const unseen = decideOutage({}, event);
    if (unseen.kind === 'open') {
      const { row, opened } = await this.openUnlessRecorded(manager, event, unseen);
      if (opened) return this.opened(event, unseen);
      // Neither history nor an interval: the same raise, recorded meanwhile by another transaction.
      if (!row) return { kind: 'none' };
      return this.apply(manager, event, row);
    }
    // The open interval, else the latest that ended (what a corrected clear corrects), locked.
    const [row] = await preparedQuery<OutageRow>(manager, `${this.latestOf} for update`, [event.tenantId, event.data.serviceId, event.data.alarmKey]);
    return this.apply(manager, event, row);
  }

  /** The alarm's latest interval, locked, or a new one opened when the alarm has none: one round trip either way. */
  private async openUnlessRecorded(
    manager: EntityManager, event: AlarmEvent, decision: Extract<OutageDecision, { kind: 'open' }>,
  ): Promise<{ row?: OutageRow; opened: boolean }> {
    // The insert waits for `latest` (its rows locked) and inserts only when it found none.
    const [result] = await preparedQuery<OutageRow & { opened: string | null }>(manager,
      `with latest as (${this.latestOf} for update),
       ${this.insertOpen('where not exists (select from latest)')}
       select l.id, l.started_at, l.ended_at, l.labels, (select id from outage) as opened from (values (1)) as one left join latest l on true`,
      this.openParameters(event, decision),
    );
    return { row: result.id === null ? undefined : result, opened: result.opened !== null };
  }

  /** What the event does given the alarm's latest interval (locked by the caller), stored. */
  private async apply(manager: EntityManager, event: AlarmEvent, latest: OutageRow | undefined): Promise<OutageOutcome> {
    const alarm: AlarmRef = event.data;
    const outages: AlarmOutages = !latest ? {}
      : latest.ended_at === null ? { open: { startedAt: latest.started_at.getTime() } }
        : { lastClosed: { startedAt: latest.started_at.getTime(), endedAt: latest.ended_at.getTime() } };
    const decision = decideOutage(outages, event);
    // Only 'open' and 'record-closed' are decided without an interval: the other kinds change `row`.
    const row = latest as OutageRow;
    switch (decision.kind) {
      case 'open': {
        const [inserted] = await preparedQuery<{ id: string }>(manager, `with ${this.insertOpen('')} select id from outage`, this.openParameters(event, decision));
        if (!inserted) return { kind: 'none' };
        return this.opened(event, decision);
      }
      case 'close':
        await manager.query(
          `update ${this.table} set ended_at = $2, cancelled = $3, cleared_event_id = $4, updated_at = now() where id = $1`,
          [row.id, iso(decision.endedAt), decision.cancelled, event.id],
        );
        return { kind: 'closed' };
      case 'record-closed': {
        const [inserted]: Array<{ id: string }> = await manager.query(
          `insert into ${this.table} (tenant_id, service_id, alarm_key, severity, started_at, ended_at, cancelled, cleared_event_id, summary)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
          [event.tenantId, alarm.serviceId, alarm.alarmKey, alarm.severity, iso(decision.startedAt), iso(decision.endedAt), decision.cancelled, event.id, alarm.summary],
        );
        for (const change of decision.severities) await this.addSeverity(manager, inserted.id, event, change, false);
        return { kind: 'closed' };
      }
      case 'correct-start':
        await manager.query(
          `update ${this.table} set started_at = $2, corrections = corrections || $3::jsonb, updated_at = now() where id = $1`,
          [row.id, iso(decision.startedAt), JSON.stringify([{ eventId: event.id, field: 'started_at', from: row.started_at.toISOString(), to: iso(decision.startedAt) }])],
        );
        await this.addSeverity(manager, row.id, event, decision.severity);
        return { kind: 'start-corrected', startedAt: decision.startedAt };
      case 'change-severity':
        await this.addSeverity(manager, row.id, event, decision.severity);
        return { kind: 'severity-changed', startedAt: row.started_at.getTime(), labels: row.labels ?? {} };
      case 'correct-end': {
        const previousEnd = row.ended_at!.getTime();
        await manager.query(
          `update ${this.table} set ended_at = $2, corrections = corrections || $3::jsonb, updated_at = now() where id = $1`,
          [row.id, iso(decision.endedAt), JSON.stringify([{ eventId: event.id, field: 'ended_at', from: iso(previousEnd), to: iso(decision.endedAt) }])],
        );
        await this.refreshSeverity(manager, row.id);
        return { kind: 'end-corrected', startedAt: row.started_at.getTime(), endedAt: decision.endedAt, previousEnd };
      }
      case 'none':
        return { kind: 'none' };
      default:
        return assertNever(decision);
    }
  }

  /**
   * The interval and the severities it starts with (inserted at the event's severity, the latest
   * of those it states), as the CTEs `outage` (its id, none when the raise was already recorded
   * or `guard` held) and `severities`, on `openParameters`.
   */
  private insertOpen(guard: string): string {
    return `outage as (
         insert into ${this.table} (tenant_id, service_id, alarm_key, severity, labels, started_at, raised_event_id, summary)
         select $1, $2, $3, $4, $5::jsonb, $6, $7, $8 ${guard} on conflict do nothing returning id
       ), severities as (
         insert into ${this.severities} (outage_id, tenant_id, service_id, alarm_key, severity, effective_from, rank, event_id)
         select outage.id, $1, $2, $3, s.severity, s.effective_from, s.rank, $7
         from outage, unnest($9::text[], $10::timestamptz[], $11::int[]) as s (severity, effective_from, rank)
         on conflict do nothing
       )`;
  }

  private openParameters(event: AlarmEvent, decision: Extract<OutageDecision, { kind: 'open' }>): unknown[] {
    const alarm: AlarmRef = event.data;
    return [
      event.tenantId, alarm.serviceId, alarm.alarmKey, alarm.severity, JSON.stringify(labelsOf(event)), iso(decision.startedAt), event.id, alarm.summary,
      decision.severities.map((c) => c.severity), decision.severities.map((c) => iso(c.at)), decision.severities.map((c) => c.rank),
    ];
  }

  private opened(event: AlarmEvent, decision: Extract<OutageDecision, { kind: 'open' }>): OutageOutcome {
    return { kind: 'opened', startedAt: decision.startedAt, labels: labelsOf(event) };
  }

  /**
   * A service's outages that overlap [from, to), cancelled ones left out, each with its
   * severity over time, its alarm and its labels: what availability is computed from.
   */
  async serviceHistory(manager: EntityManager, tenantId: string, serviceId: string, range: { from: number; to: number }): Promise<ServiceOutage[]> {
    const rows = await preparedQuery<{
      alarm_key: string; service_id: string; severity: Severity; summary: string; labels: Record<string, string>;
      started_at: Date; ended_at: Date | null; changes: SeverityChange[];
    }>(manager,
      `select o.alarm_key, o.service_id, o.severity, o.summary, o.labels, o.started_at, o.ended_at,
         coalesce((select json_agg(json_build_object('at', (floor(extract(epoch from s.effective_from) * 1000))::bigint, 'severity', s.severity, 'rank', s.rank))
           from ${this.severities} s where s.outage_id = o.id), '[]'::json) as changes
       from ${this.table} o
       where o.tenant_id = $1 and o.service_id = $2 and not o.cancelled and o.started_at < $4 and (o.ended_at is null or o.ended_at > $3)
       order by o.started_at, o.id`,
      [tenantId, serviceId, iso(range.from), iso(range.to)],
    );
    return rows.map((row) => ({
      alarm: { alarmKey: row.alarm_key, serviceId: row.service_id, severity: row.severity, summary: row.summary },
      labels: row.labels ?? {},
      startedAt: row.started_at.getTime(),
      endedAt: row.ended_at?.getTime() ?? null,
      cancelled: false,
      severity: row.severity,
      changes: row.changes,
    }));
  }

  /**
   * The tenant's active alarms (open outages, none cancelled) with the start of each outage, its
   * latest severity and labels: what a resolution policy applied after they were raised times.
   */
  async active(manager: EntityManager, tenantId: string): Promise<Array<{ alarm: AlarmRef; labels: Record<string, string>; raisedAt: number }>> {
    const rows: Array<{ alarm_key: string; service_id: string; severity: Severity; summary: string; labels: Record<string, string> | null; started_at: Date }> = await manager.query(
      `select alarm_key, service_id, severity, summary, labels, started_at from ${this.table}
       where tenant_id = $1 and ended_at is null and not cancelled order by started_at, id`,
      [tenantId],
    );
    return rows.map((row) => ({
      alarm: { alarmKey: row.alarm_key, serviceId: row.service_id, severity: row.severity, summary: row.summary },
      labels: row.labels ?? {},
      raisedAt: row.started_at.getTime(),
    }));
  }

  /** The services of a tenant with an outage overlapping [from, to): whom a policy for `"*"` or labels may concern. */
  async servicesWithOutages(manager: EntityManager, tenantId: string, range: { from: number; to: number }): Promise<string[]> {
    const rows: Array<{ service_id: string }> = await manager.query(
      `select distinct service_id from ${this.table} where tenant_id = $1 and started_at < $3 and (ended_at is null or ended_at > $2) order by service_id`,
      [tenantId, iso(range.from), iso(range.to)],
    );
    return rows.map((r) => r.service_id);
  }

  /** Adds one statement to the outage's severity history and keeps `outages.severity` the latest one. */
  private async addSeverity(manager: EntityManager, outageId: string, event: AlarmEvent, change: SeverityChange, refresh = true): Promise<void> {
    await manager.query(
      `insert into ${this.severities} (outage_id, tenant_id, service_id, alarm_key, severity, effective_from, rank, event_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
      [outageId, event.tenantId, event.data.serviceId, event.data.alarmKey, change.severity, iso(change.at), change.rank, event.id],
    );
    if (refresh) await this.refreshSeverity(manager, outageId);
  }

  private async refreshSeverity(manager: EntityManager, outageId: string): Promise<void> {
    const [row]: Array<{ severity: Severity; started_at: Date; ended_at: Date | null; changes: SeverityChange[] }> = await manager.query(
      `select o.severity, o.started_at, o.ended_at,
         coalesce((select json_agg(json_build_object('at', (floor(extract(epoch from s.effective_from) * 1000))::bigint, 'severity', s.severity, 'rank', s.rank))
           from ${this.severities} s where s.outage_id = o.id), '[]'::json) as changes
       from ${this.table} o where o.id = $1`,
      [outageId],
    );
    const latest = latestSeverity({ startedAt: row.started_at.getTime(), endedAt: row.ended_at?.getTime() ?? null }, row.changes, row.severity);
    if (latest !== row.severity) await manager.query(`update ${this.table} set severity = $2, updated_at = now() where id = $1`, [outageId, latest]);
  }
}
