import type { EntityManager } from 'typeorm';
import { topicOf, type AnyEvent, type EventEnvelope, type Topic } from '@vigil/contracts';
import { traceHeaders } from '@vigil/observability';
import { assertIdentifier } from '@vigil/persistence';

export interface OutboxMessage {
  event: AnyEvent | EventEnvelope;
  /** Kafka key: `tenantId/serviceId` for events about a monitored service. */
  key: string;
  headers?: Record<string, string>;
  /** `event` already serialized, when the caller has the text anyway (the event store's append). */
  payload?: string;
}

/**
 * A message that is not an event, such as a dead-letter record: it names its topic, and its
 * headers are its own (an event's are derived from it).
 */
export interface OutboxRecord {
  topic: Topic;
  /** Unique per record: a record appended twice is published once. */
  id: string;
  key: string;
  headers: Record<string, string>;
  record: object;
}

/**
 * Appends events (and records) to the outbox inside the caller's transaction: the state change and
 * the message commit together or not at all. The active trace (W3C `traceparent`) is
 * stored in the headers, so the consumers continue the trace of the request.
 */
export async function appendToOutbox(manager: EntityManager, schema: string, messages: Array<OutboxMessage | OutboxRecord>): Promise<void> {
  if (messages.length === 0) return;
  const s = assertIdentifier(schema);
  const values: unknown[] = [];
  // The relay publishes later, outside this request: the trace travels in the stored headers.
  const trace = traceHeaders();
  const rows = messages.map((m, i) => {
    if ('record' in m) {
      values.push(m.id, m.topic, m.key, JSON.stringify(m.headers), JSON.stringify(m.record));
    } else {
      const headers = { ...trace, 'event-type': m.event.type, 'correlation-id': m.event.correlationId, 'tenant-id': m.event.tenantId, ...m.headers };
      values.push(m.event.id, topicOf(m.event.type), m.key, JSON.stringify(headers), m.payload ?? JSON.stringify(m.event));
    }
    const o = i * 5;
    return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}::jsonb, $${o + 5}::json)`;
  });
  await manager.query(
    `insert into ${s}.outbox (event_id, topic, message_key, headers, payload) values ${rows.join(', ')} on conflict (event_id) do nothing`,
    values,
  );
}
