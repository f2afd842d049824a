import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EscalationEventTypes, parseEvent, type AnyEvent, type EventType } from '@vigil/contracts';
import type { Delivery, EscalationEvent, TriggerContext } from './delivery';

const TABLE = 'notifier.deliveries';

interface DeliveryRow {
  id: string;
  tenant_id: string;
  escalation_event_id: string;
  escalation_id: string;
  event_type: Delivery['eventType'];
  channel: string;
  /** As consumed then: of the version current when it was planned, maybe older than this build's. */
  event: unknown;
  trigger: TriggerContext | null;
  status: Delivery['status'];
  attempts: number;
}

export interface FinishedDelivery {
  status: 'delivered' | 'failed';
  channelType: string;
  attempts: number;
  statusCode?: number;
  error?: string;
}

/**
 * The delivery log. Every method takes the caller's transaction: the consumer's (with
 * the processed-event ledger) when planning, the timer's claim when delivering.
 */
@Injectable()
export class DeliveryLogRepository {
  /** Inserts one pending delivery; returns false when it was already planned. */
  async plan(manager: EntityManager, event: EscalationEvent, channel: string, trigger?: TriggerContext): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `insert into ${TABLE} (tenant_id, escalation_event_id, escalation_id, event_type, channel, event, trigger)
       values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
       on conflict (escalation_event_id, channel) do nothing returning id`,
      [event.tenantId, event.id, event.data.escalationId, event.type, channel, JSON.stringify(event), trigger ? JSON.stringify(trigger) : null],
    );
    return inserted.length > 0;
  }

  /**
   * The channels an escalation's triggers went to (delivered or still on their way; a
   * channel whose every trigger failed never heard of it), with the latest trigger each got.
   */
  async notifiedChannels(manager: EntityManager, tenantId: string, escalationId: string): Promise<Map<string, TriggerContext>> {
    const rows: Array<{ channel: string; event: unknown }> = await manager.query(
      `select distinct on (channel) channel, event from ${TABLE}
       where tenant_id = $1 and escalation_id = $2 and event_type = 'escalation-triggered' and status <> 'failed'
       order by channel, id desc`,
      [tenantId, escalationId],
    );
    return new Map(rows.map((r) => [r.channel, triggerContextOf(storedEvent(r.event))]));
  }

  /** The delivery, locked for the rest of the caller's transaction. */
  async lock(manager: EntityManager, escalationEventId: string, channel: string): Promise<Delivery | undefined> {
    const [row]: DeliveryRow[] = await manager.query(
      `select id, tenant_id, escalation_event_id, escalation_id, event_type, channel, event, trigger, status, attempts
       from ${TABLE} where escalation_event_id = $1 and channel = $2 for update`,
      [escalationEventId, channel],
    );
    return row ? toDelivery(row) : undefined;
  }

  /** Still pending, waiting for its destination's breaker: counts the attempts made and says why it waits. */
  async wait(manager: EntityManager, id: string, attempts: number, reason: string): Promise<void> {
    await manager.query(`update ${TABLE} set attempts = attempts + $2, last_error = $3 where id = $1`, [id, attempts, reason]);
  }

  async finish(manager: EntityManager, id: string, result: FinishedDelivery): Promise<void> {
    await manager.query(
      `update ${TABLE} set status = $2, channel_type = $3, attempts = attempts + $4, status_code = $5, last_error = $6,
         delivered_at = case when $2::text = 'delivered' then now() end,
         failed_at = case when $2::text = 'failed' then now() end
       where id = $1`,
      [id, result.status, result.channelType, result.attempts, result.statusCode ?? null, result.error ?? null],
    );
  }
}

/**
 * A stored event at this build's version: a row planned before its type's latest version
 * holds the older one, read as the topic's would be (docs/adr/0027-events-are-upcast-on-read.md).
 */
function storedEvent(stored: unknown): EscalationEvent {
  const event = parseEvent(stored);
  if (!isEscalationEvent(event)) throw new Error(`the delivery log holds a ${event.type} event`);
  return event;
}

function isEscalationEvent(event: AnyEvent): event is EscalationEvent {
  return (EscalationEventTypes as readonly EventType[]).includes(event.type);
}

function triggerContextOf(event: EscalationEvent): TriggerContext {
  if (event.type !== 'escalation-triggered') throw new Error(`expected an escalation-triggered, the delivery log holds a ${event.type}`);
  const { policy, level, round, reason } = event.data;
  return { policy, level, round, reason };
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: String(row.id),
    tenantId: row.tenant_id,
    escalationEventId: row.escalation_event_id,
    escalationId: row.escalation_id,
    eventType: row.event_type,
    channel: row.channel,
    event: storedEvent(row.event),
    trigger: row.trigger ?? undefined,
    status: row.status,
    attempts: row.attempts,
  };
}
