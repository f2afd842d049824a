import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface KnownAlarm {
  labels: Record<string, string>;
  status: 'raised' | 'cleared';
}

/**
 * The alarms seen on `vigil.alarm-events.v1`, kept for the SLA events about them: those
 * carry no labels, and one that arrives after the alarm cleared must not page. A change
 * applies only if its sequence (the alarm stream's version) is not older than the one
 * stored, so a re-delivered old event cannot roll the state back.
 */
@Injectable()
export class KnownAlarmsStore {
  async raised(manager: EntityManager, tenantId: string, alarmKey: string, serviceId: string, labels: Record<string, string>, sequence: number): Promise<void> {
    await manager.query(
      `insert into escalation.alarms (tenant_id, alarm_key, service_id, labels, status, sequence) values ($1, $2, $3, $4::jsonb, 'raised', $5)
       on conflict (tenant_id, alarm_key) do update set service_id = excluded.service_id, labels = excluded.labels, status = 'raised',
         sequence = excluded.sequence, updated_at = now()
       where escalation.alarms.sequence <= excluded.sequence`,
      [tenantId, alarmKey, serviceId, JSON.stringify(labels), sequence],
    );
  }

  async cleared(manager: EntityManager, tenantId: string, alarmKey: string, serviceId: string, sequence: number): Promise<void> {
    await manager.query(
      `insert into escalation.alarms (tenant_id, alarm_key, service_id, status, sequence) values ($1, $2, $3, 'cleared', $4)
       on conflict (tenant_id, alarm_key) do update set status = 'cleared', sequence = excluded.sequence, updated_at = now()
       where escalation.alarms.sequence <= excluded.sequence`,
      [tenantId, alarmKey, serviceId, sequence],
    );
  }

  /**
   * A severity change of an alarm that is active: its sequence moves on, its labels stay. An alarm
   * never seen raised stays unknown (its labels are not known here).
   */
  async severityChanged(manager: EntityManager, tenantId: string, alarmKey: string, sequence: number): Promise<void> {
    await manager.query(
      `update escalation.alarms set status = 'raised', sequence = $3, updated_at = now()
       where tenant_id = $1 and alarm_key = $2 and sequence <= $3`,
      [tenantId, alarmKey, sequence],
    );
  }

  async find(manager: EntityManager, tenantId: string, alarmKey: string): Promise<KnownAlarm | undefined> {
    const [row] = await manager.query(`select labels, status from escalation.alarms where tenant_id = $1 and alarm_key = $2`, [tenantId, alarmKey]);
    return row ? { labels: row.labels as Record<string, string>, status: row.status as KnownAlarm['status'] } : undefined;
  }
}
