import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { assertNever, type AlarmRef } from '@vigil/contracts';
import { SlaSchema } from '../migrations';
import { decideOutage, type AlarmEvent, type OpenOutage } from './outage-interval.decider';

/** Outage intervals per (tenant, service, alarm) in `sla.outages`; every write goes through the caller's transaction. */
@Injectable()
export class OutageIntervalsRepository {
  private readonly table = `${SlaSchema}.outages`;

  /**
   * Applies an alarm event to the alarm's interval and says whether it opened a new one
   * (the raise starts the alarm's SLA clocks only then).
   */
  async record(manager: EntityManager, event: AlarmEvent): Promise<{ opened: boolean }> {
    const alarm: AlarmRef = event.data;
    const [row] = await manager.query(
      `select id, started_at from ${this.table} where tenant_id = $1 and service_id = $2 and alarm_key = $3 and ended_at is null for update`,
      [event.tenantId, alarm.serviceId, alarm.alarmKey],
    );
    const open: OpenOutage | undefined = row ? { startedAt: new Date(row.started_at).getTime() } : undefined;
    const decision = decideOutage(open, event);
    switch (decision.kind) {
      case 'open': {
        const inserted: unknown[] = await manager.query(
          `insert into ${this.table} (tenant_id, service_id, alarm_key, severity, started_at, raised_event_id)
           values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning id`,
          [event.tenantId, alarm.serviceId, alarm.alarmKey, alarm.severity, new Date(decision.startedAt).toISOString(), event.id],
        );
        return { opened: inserted.length > 0 };
      }
      case 'close':
        await manager.query(
          `update ${this.table} set ended_at = $2, cancelled = $3, cleared_event_id = $4, updated_at = now() where id = $1`,
          [row.id, new Date(decision.endedAt).toISOString(), decision.cancelled, event.id],
        );
        return { opened: false };
      case 'record-closed':
        await manager.query(
          `insert into ${this.table} (tenant_id, service_id, alarm_key, severity, started_at, ended_at, cancelled, cleared_event_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [event.tenantId, alarm.serviceId, alarm.alarmKey, alarm.severity, new Date(decision.startedAt).toISOString(),
            new Date(decision.endedAt).toISOString(), decision.cancelled, event.id],
        );
        return { opened: false };
      case 'none':
        return { opened: false };
      default:
        return assertNever(decision);
    }
  }
}
