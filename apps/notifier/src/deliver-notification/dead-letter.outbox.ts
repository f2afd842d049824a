import type { EntityManager } from 'typeorm';
import { Topics } from '@vigil/contracts';
import type { DeadLetterRecord } from './delivery-outcome';

/**
 * Puts a dead letter in the service's outbox, in the delivery's own transaction, with
 * the DLQ topic on the row. The outbox relay publishes rows by their `topic` column,
 * so the record leaves exactly like an event does: committed together with the
 * `failed` status and the `notification-failed` event, or not at all — a crash can
 * neither lose it nor publish it for a delivery that did not fail.
 * (`appendToOutbox` derives the topic from an event type, hence this one insert; see
 * README for the small lib change that would replace it.)
 */
export async function appendDeadLetter(
  manager: EntityManager, schema: 'notifier', dead: { record: DeadLetterRecord; headers: Record<string, string> }, key: string,
): Promise<void> {
  await manager.query(
    `insert into ${schema}.outbox (event_id, topic, message_key, headers, payload) values ($1, $2, $3, $4::jsonb, $5::jsonb)
     on conflict (event_id) do nothing`,
    [dead.record.id, Topics.notificationDeadLetters, key, JSON.stringify(dead.headers), JSON.stringify(dead.record)],
  );
}
