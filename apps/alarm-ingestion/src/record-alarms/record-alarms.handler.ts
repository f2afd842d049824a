import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { eventKey, newEvent, type AnyEvent } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import type { AlarmChangeDto, AlarmResult } from './alarm-change.dto';
import { decideAlarmChange, type AlarmChange, type AlarmState } from './decide-alarm-change';

export interface AlarmOutcome { alarmId: string; result: AlarmResult; eventId?: string; reason?: string }
export interface RecordResponse { results: AlarmOutcome[] }

type AlarmEvent = Extract<AnyEvent, { type: 'alarm-raised' | 'alarm-cleared' }>;

const UNIQUE_VIOLATION = '23505';
const MAX_ATTEMPTS = 5;

/**
 * Appends alarm changes to their streams. Everything of one request commits in one
 * transaction — events, the alarms projection, the outbox rows and the idempotency
 * record — before the 202 is sent. Two writers of one stream meet at the stream
 * version's unique key; the loser retries on the new state.
 */
@Injectable()
export class RecordAlarmsHandler {
  constructor(private readonly dataSource: DataSource, private readonly messaging: MessagingService) {}

  async record(tenantId: string, changes: AlarmChangeDto[], idempotencyKey?: string): Promise<RecordResponse> {
    const requestHash = createHash('sha256').update(JSON.stringify(changes)).digest('hex');
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.dataSource.transaction((manager) => this.recordIn(manager, tenantId, changes, idempotencyKey, requestHash));
        this.messaging.flush();
        return response;
      } catch (error) {
        if ((error as { driverError?: { code?: string } }).driverError?.code !== UNIQUE_VIOLATION || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async recordIn(manager: EntityManager, tenantId: string, changes: AlarmChangeDto[], idempotencyKey: string | undefined, requestHash: string): Promise<RecordResponse> {
    if (idempotencyKey) {
      const [seen] = await manager.query('select request_hash, response from ingestion.idempotency_keys where tenant_id = $1 and key = $2', [tenantId, idempotencyKey]);
      if (seen) {
        if (seen.request_hash !== requestHash) throw new UnprocessableEntityException('Idempotency-Key: was already used for a different request');
        return seen.response as RecordResponse;
      }
    }
    const results: AlarmOutcome[] = [];
    const outbox: AlarmEvent[] = [];
    for (const dto of changes) {
      const change = toChange(dto);
      const state = await this.load(manager, tenantId, change.alarmKey);
      const decision = decideAlarmChange(state, change);
      if (decision.result !== 'recorded') {
        results.push({ alarmId: dto.alarmId, result: decision.result, reason: decision.reason });
        continue;
      }
      const version = (state?.version ?? 0) + 1;
      const event = newEvent({ type: decision.type, tenantId, subject: change.alarmKey, sequence: version, occurredAt: change.occurredAt, data: decision.data } as Parameters<typeof newEvent>[0]) as AlarmEvent;
      await manager.query(
        `insert into ingestion.events (event_id, tenant_id, stream_id, version, type, occurred_at, recorded_at, payload)
         values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
        [event.id, tenantId, change.alarmKey, version, event.type, event.occurredAt, event.recordedAt, JSON.stringify(event)],
      );
      await this.project(manager, tenantId, event, version);
      outbox.push(event);
      results.push({ alarmId: dto.alarmId, result: 'recorded', eventId: event.id });
    }
    await this.messaging.publish(manager, outbox.map((event) => ({ event, key: eventKey(tenantId, event.data.serviceId) })));
    const response = { results };
    if (idempotencyKey) {
      await manager.query(
        'insert into ingestion.idempotency_keys (tenant_id, key, request_hash, status_code, response) values ($1, $2, $3, 202, $4::jsonb)',
        [tenantId, idempotencyKey, requestHash, JSON.stringify(response)],
      );
    }
    return response;
  }

  private async load(manager: EntityManager, tenantId: string, alarmKey: string): Promise<AlarmState | undefined> {
    const [row] = await manager.query(
      'select status, service_id, severity, summary, raised_at, version from ingestion.alarms where tenant_id = $1 and alarm_key = $2 for update',
      [tenantId, alarmKey],
    );
    if (!row) return undefined;
    return { status: row.status, serviceId: row.service_id, severity: row.severity, summary: row.summary, raisedAt: new Date(row.raised_at).toISOString(), version: row.version };
  }

  private async project(manager: EntityManager, tenantId: string, event: AlarmEvent, version: number): Promise<void> {
    if (event.type === 'alarm-raised') {
      const d = event.data;
      await manager.query(
        `insert into ingestion.alarms (tenant_id, alarm_key, service_id, severity, summary, status, raised_at, cleared_at, version, raised_event_id)
         values ($1, $2, $3, $4, $5, 'active', $6, null, $7, $8)
         on conflict (tenant_id, alarm_key) do update set service_id = excluded.service_id, severity = excluded.severity, summary = excluded.summary,
           status = 'active', raised_at = excluded.raised_at, cleared_at = null, version = excluded.version, raised_event_id = excluded.raised_event_id`,
        [tenantId, d.alarmKey, d.serviceId, d.severity, d.summary, d.raisedAt, version, event.id],
      );
    } else if (event.type === 'alarm-cleared') {
      await manager.query(
        `update ingestion.alarms set status = 'cleared', cleared_at = $3, version = $4 where tenant_id = $1 and alarm_key = $2`,
        [tenantId, event.data.alarmKey, event.data.clearedAt, version],
      );
    }
  }
}

function toChange(dto: AlarmChangeDto): AlarmChange {
  return {
    alarmKey: dto.alarmId,
    serviceId: dto.serviceId,
    severity: dto.severity,
    status: dto.status,
    summary: dto.summary,
    source: dto.source ?? 'api',
    labels: dto.labels ?? {},
    occurredAt: new Date(dto.occurredAt).toISOString(),
    resolution: dto.resolution,
  };
}
