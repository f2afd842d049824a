import { v7 as uuidv7 } from 'uuid';
import type { EventType } from './event-types';
import type { EventDataOf, EventEnvelope } from './envelope';
import { currentVersionOf } from './event-versions';

export interface NewEventInput<T extends EventType> {
  type: T;
  tenantId: string;
  subject: string;
  sequence?: number;
  occurredAt: string;
  data: EventDataOf<T>;
  /** The event this one reacts to; its correlation id is carried over. */
  causedBy?: Pick<EventEnvelope, 'id' | 'correlationId'>;
  correlationId?: string;
  recordedAt?: string;
}

export function newEventId(): string {
  return uuidv7();
}

/** A new event at its type's current version: producers never write an older one. */
export function newEvent<T extends EventType>(input: NewEventInput<T>): EventEnvelope<T> {
  const id = newEventId();
  return {
    id,
    type: input.type,
    version: currentVersionOf(input.type),
    tenantId: input.tenantId,
    subject: input.subject,
    sequence: input.sequence ?? 0,
    occurredAt: input.occurredAt,
    recordedAt: input.recordedAt ?? new Date().toISOString(),
    correlationId: input.causedBy?.correlationId ?? input.correlationId ?? id,
    causationId: input.causedBy?.id ?? null,
    data: input.data,
  };
}

/** Kafka key: every event of one monitored service lands on one partition, in order. */
export function eventKey(tenantId: string, serviceId: string): string {
  return `${tenantId}/${serviceId}`;
}
