import { parseEvent } from '@vigil/contracts';
import { relayMessages } from './relay-messages';

describe('relayMessages', () => {
  it('builds alarm-raised envelopes keyed tenant/service with the outbox headers, as the relay sends them', () => {
    const messages = relayMessages(96, 'bench-t');
    expect(messages).toHaveLength(96);
    const first = messages[0];
    const event = parseEvent(JSON.parse(first.value));
    expect(event).toMatchObject({ type: 'alarm-raised', tenantId: 'bench-t' });
    expect(first.key).toBe(`bench-t/${(event.data as { serviceId: string }).serviceId}`);
    expect(first.headers).toEqual({ 'event-type': 'alarm-raised', 'correlation-id': event.correlationId, 'tenant-id': 'bench-t' });
    // Keys spread over the services, so the messages spread over the partitions.
    expect(new Set(messages.map((m) => m.key)).size).toBe(48);
  });
});
