import { eventKey, newEvent } from '@vigil/contracts';
import { generateAlerts } from '../ingest/bench-alerts';
import type { BenchMessage } from './kafka-client';

/** Alarm-raised envelopes as the relay sends them: the stored text, its key and the outbox headers. */
export function relayMessages(count: number, tenantId: string): BenchMessage[] {
  return generateAlerts(count, new Date()).map((alert, i) => {
    const event = newEvent({
      type: 'alarm-raised', tenantId, subject: alert.alarmId, sequence: 1, occurredAt: alert.startsAt,
      data: { alarmKey: alert.alarmId, serviceId: alert.serviceId, severity: alert.severity, summary: alert.summary, source: alert.source, labels: alert.labels, raisedAt: alert.startsAt },
    });
    return {
      key: eventKey(tenantId, alert.serviceId),
      value: JSON.stringify(event),
      headers: { 'event-type': event.type, 'correlation-id': event.correlationId ?? `bench-${i}`, 'tenant-id': tenantId },
    };
  });
}
