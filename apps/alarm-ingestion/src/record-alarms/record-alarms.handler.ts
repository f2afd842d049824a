import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { eventKey, newEvent } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { isDatabaseUnavailable } from '@vigil/persistence';
import { PolicyRegistry, type IPolicy } from '@vigil/resilience';
import { IdempotencyKeyReusedError } from './record-alarms.errors';
import { TenantRateLimit } from './tenant-rate-limit';
import type { AlarmResult } from './alarm-change.dto';
import { decideAlarmChange, evolveAlarm, type AlarmChange, type AlarmEvent, type AlarmState } from './decide-alarm-change';

export interface AlarmOutcome { alarmId: string; result: AlarmResult; eventId?: string; type?: string; reason?: string }
export interface RecordResponse { results: AlarmOutcome[] }
/** The request's hash is only worked out when a key asks for it. */
interface Idempotency { key: string; requestHash: string }

const UNIQUE_VIOLATION = '23505';
const MAX_ATTEMPTS = 5;

/**
 * Appends alarm changes to their streams, whatever format they came in. Everything of
 * one request commits in one transaction — events, the alarms projection, the outbox
 * rows and the idempotency record — before the 202 is sent. Two writers of one stream
 * meet at the stream version's unique key; the loser retries on the new state.
 */
@Injectable()
export class RecordAlarmsHandler {
  /** A database that stopped answering is not hammered: after 5 failures, 503 at once for 60 s. */
  private readonly database: IPolicy;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly rateLimit: TenantRateLimit,
    policies: PolicyRegistry,
  ) {
    this.database = policies.breaker('database', { critical: true, isFailure: isDatabaseUnavailable });
  }

  /**
   * `recordedBefore`, asked in the transaction when the key is not stored: whether the request was
   * recorded before under a key since deleted (a Kafka message below its partition's checkpoint).
   */
  async record(tenantId: string, changes: AlarmChange[], idempotencyKey?: string, recordedBefore?: (manager: EntityManager) => Promise<boolean>): Promise<RecordResponse> {
    await this.rateLimit.take(tenantId, changes.length);
    const idempotency = idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash: createHash('sha256').update(JSON.stringify(changes)).digest('hex') };
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.database.execute(() =>
          this.dataSource.transaction((manager) => this.recordIn(manager, tenantId, changes, idempotency, recordedBefore)),
        );
        this.messaging.flush();
        return response;
      } catch (error) {
        if ((error as { driverError?: { code?: string } }).driverError?.code !== UNIQUE_VIOLATION || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Set-based: one read of every alarm the request names (locked, in key order so
   * concurrent requests cannot deadlock), decide and evolve in memory, then one insert of
   * the events, one upsert of the alarms' new state, one insert into the outbox.
   */
  private async recordIn(
    manager: EntityManager, tenantId: string, changes: AlarmChange[], idempotency: Idempotency | undefined, recordedBefore?: (manager: EntityManager) => Promise<boolean>,
  ): Promise<RecordResponse> {
    if (idempotency) {
      const [seen] = await manager.query('select request_hash, response from ingestion.idempotency_keys where tenant_id = $1 and key = $2', [tenantId, idempotency.key]);
      if (seen) {
        if (seen.request_hash !== idempotency.requestHash) throw new IdempotencyKeyReusedError('Idempotency-Key');
        return seen.response as RecordResponse;
      }
      // Only after the key: a key deleted before that read was covered by a checkpoint committed before the delete, which this read sees.
      if (await recordedBefore?.(manager)) {
        return { results: changes.map((c) => ({ alarmId: c.alarmKey, result: 'duplicate', reason: 'recorded from this Kafka message before' })) };
      }
    }
    const states = await this.load(manager, tenantId, [...new Set(changes.map((c) => c.alarmKey))].sort());
    const changed = new Set<string>();
    const results: AlarmOutcome[] = [];
    const events: AlarmEvent[] = [];
    for (const change of changes) {
      const state = states.get(change.alarmKey);
      const decision = decideAlarmChange(state, change);
      if (decision.result !== 'recorded') {
        results.push({ alarmId: change.alarmKey, result: decision.result, reason: decision.reason });
        continue;
      }
      const event = newEvent({
        type: decision.type, tenantId, subject: change.alarmKey, sequence: (state?.version ?? 0) + 1, occurredAt: change.occurredAt, data: decision.data,
      } as Parameters<typeof newEvent>[0]) as AlarmEvent;
      states.set(change.alarmKey, evolveAlarm(state, event));
      changed.add(change.alarmKey);
      events.push(event);
      results.push({ alarmId: change.alarmKey, result: 'recorded', eventId: event.id, type: event.type, ...(decision.reason ? { reason: decision.reason } : {}) });
    }
    if (events.length > 0) {
      // Serialized once: the same text goes to the event store and the outbox.
      const payloads = events.map((event) => JSON.stringify(event));
      await this.append(manager, tenantId, events, payloads);
      await this.save(manager, tenantId, [...changed].map((key) => [key, states.get(key)!] as const));
      await this.messaging.publish(manager, events.map((event, i) => ({ event, payload: payloads[i], key: eventKey(tenantId, event.data.serviceId) })));
    }
    const response = { results };
    if (idempotency) {
      await manager.query(
        'insert into ingestion.idempotency_keys (tenant_id, key, request_hash, status_code, response) values ($1, $2, $3, 202, $4::jsonb)',
        [tenantId, idempotency.key, idempotency.requestHash, JSON.stringify(response)],
      );
    }
    return response;
  }

  private async load(manager: EntityManager, tenantId: string, keys: string[]): Promise<Map<string, AlarmState>> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `select alarm_key, status, service_id, severity, summary, source, labels, raised_at, cleared_at, acknowledged_at, raised_event_id, cleared_event_id, version
       from ingestion.alarms where tenant_id = $1 and alarm_key = any($2::text[]) order by alarm_key for update`,
      [tenantId, keys],
    );
    const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : undefined);
    return new Map(rows.map((row) => [row.alarm_key as string, {
      status: row.status as AlarmState['status'], serviceId: row.service_id as string, severity: row.severity as AlarmState['severity'],
      summary: row.summary as string, source: row.source as string, labels: row.labels as Record<string, string>,
      raisedAt: iso(row.raised_at)!, clearedAt: iso(row.cleared_at), acknowledgedAt: iso(row.acknowledged_at),
      raisedEventId: row.raised_event_id as string, clearedEventId: (row.cleared_event_id as string | null) ?? undefined, version: row.version as number,
    }]));
  }

  /** The stream versions' unique key is where two writers of one alarm meet. */
  private async append(manager: EntityManager, tenantId: string, events: AlarmEvent[], payloads: string[]): Promise<void> {
    await manager.query(
      `insert into ingestion.events (event_id, tenant_id, stream_id, version, type, occurred_at, recorded_at, payload)
       select e, $1, s, v, t, o::timestamptz, r::timestamptz, p::json
       from unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[]) as x(e, s, v, t, o, r, p)`,
      [
        tenantId, events.map((e) => e.id), events.map((e) => e.subject), events.map((e) => e.sequence), events.map((e) => e.type),
        events.map((e) => e.occurredAt), events.map((e) => e.recordedAt), payloads,
      ],
    );
  }

  private async save(manager: EntityManager, tenantId: string, alarms: ReadonlyArray<readonly [string, AlarmState]>): Promise<void> {
    const column = <T>(pick: (state: AlarmState) => T) => alarms.map(([, state]) => pick(state));
    await manager.query(
      `insert into ingestion.alarms (tenant_id, alarm_key, service_id, severity, summary, source, labels, status, raised_at, cleared_at,
         acknowledged_at, raised_event_id, cleared_event_id, version)
       select $1, k, sv, sev, sm, src, l::jsonb, st, ra::timestamptz, ca::timestamptz, aa::timestamptz, re, ce, v
       from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::uuid[], $13::uuid[], $14::int[])
         as x(k, sv, sev, sm, src, l, st, ra, ca, aa, re, ce, v)
       on conflict (tenant_id, alarm_key) do update set service_id = excluded.service_id, severity = excluded.severity, summary = excluded.summary,
         source = excluded.source, labels = excluded.labels, status = excluded.status, raised_at = excluded.raised_at, cleared_at = excluded.cleared_at,
         acknowledged_at = excluded.acknowledged_at, raised_event_id = excluded.raised_event_id, cleared_event_id = excluded.cleared_event_id, version = excluded.version`,
      [
        tenantId, alarms.map(([key]) => key), column((a) => a.serviceId), column((a) => a.severity), column((a) => a.summary), column((a) => a.source),
        column((a) => JSON.stringify(a.labels)), column((a) => a.status), column((a) => a.raisedAt), column((a) => a.clearedAt ?? null),
        column((a) => a.acknowledgedAt ?? null), column((a) => a.raisedEventId), column((a) => a.clearedEventId ?? null), column((a) => a.version),
      ],
    );
  }
}
