import 'reflect-metadata';
import fc from 'fast-check';
import { InvalidEventError, escalationAlarm, isEventOf, parseEvent, type EventDataOf } from './envelope';
import { AlarmEventTypes, EscalationEventTypes, EventTypes, SlaEventTypes, type EventType } from './event-types';
import { EventVersions, currentVersionOf, type EventHistory } from './event-versions';
import { newEvent } from './new-event';

const alarm = { alarmKey: 'fp-db-down', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'Primary DB unreachable' };
const at = '2026-11-03T10:00:00.000Z';
const eventId = '0196a4b0-0000-7000-8000-000000000001';
const escalationId = '0196a4b0-0000-7000-8000-0000000000e1';
const verdict = { policy: 'checkout-availability', policyType: 'availability' as const, serviceId: 'checkout-api', reason: 'budget', effectiveAt: at };
const outcome = { escalationEventId: eventId, escalationId, channel: 'ops-webhook', channelType: 'webhook', attempts: 1 };

/** One valid `data` per type at its current version; a new type fails to compile here until it has one. */
const samples: { [T in EventType]: EventDataOf<T> } = {
  'alarm-raised': { ...alarm, source: 'prometheus', labels: { team: 'payments' }, raisedAt: at },
  'alarm-severity-changed': { ...alarm, previousSeverity: 'major', changedAt: at, raisedAt: at },
  'alarm-acknowledged': { ...alarm, acknowledgedAt: at, acknowledgedBy: 'ada' },
  'alarm-cleared': { ...alarm, resolution: 'resolved', raisedAt: at, clearedAt: at },
  'sla-at-risk': { ...verdict, budgetConsumed: 0.5, atRiskFraction: 0.5 },
  'sla-breached': { ...verdict, alarm, budgetConsumed: 1 },
  'sla-met': { ...verdict, policyType: 'resolution', alarm, deadline: at },
  'escalation-triggered': {
    escalationId, policy: 'critical-paging', level: 0, round: 0, targets: ['ops-webhook'], serviceId: alarm.serviceId, alarms: [alarm],
    reason: { trigger: 'alarm-raised', eventId },
  },
  'escalation-acknowledged': { escalationId, alarm, acknowledgedBy: 'ada', acknowledgedAt: at },
  'escalation-resolved': { escalationId, alarm, resolvedAt: at },
  'notification-delivered': { ...outcome, statusCode: 200 },
  'notification-failed': { ...outcome, reason: 'receiver answered HTTP 503' },
  'config-applied': { kind: 'SLAPolicy', name: 'checkout-availability', generation: 1, spec: { type: 'availability' } },
  'config-deleted': { kind: 'SLAPolicy', name: 'checkout-availability' },
};

const written = <T extends EventType>(type: T, envelope: Partial<{ tenantId: string; subject: string; sequence: number }> = {}) =>
  newEvent({ type, tenantId: 'acme', subject: 'fp-db-down', occurredAt: at, data: samples[type], ...envelope });

const overTheWire = (event: unknown) => JSON.parse(JSON.stringify(event));

describe('parseEvent', () => {
  it.each(EventTypes)('reads a %s written at its current version as it was written', (type) => {
    const event = written(type);
    expect(event.version).toBe(currentVersionOf(type));
    expect(parseEvent(overTheWire(event))).toEqual(event);
  });

  it('reads back any envelope of any type at its current version, with fields it does not know', () => {
    const safe = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
    fc.assert(fc.property(
      fc.constantFrom(...EventTypes), safe, safe, fc.nat(), fc.dictionary(fc.constantFrom('hint', 'origin', 'note'), fc.string()),
      (type, tenantId, subject, sequence, extra) => {
        const event = { ...written(type, { tenantId, subject, sequence }), ...extra };
        expect(parseEvent(overTheWire(event))).toEqual(event);
      },
    ));
  });

  it('refuses a version newer than this build knows for every type, naming version', () => {
    for (const type of EventTypes) {
      const next = currentVersionOf(type) + 1;
      expect(() => parseEvent(overTheWire({ ...written(type), version: next }))).toThrow(InvalidEventError);
      expect(() => parseEvent(overTheWire({ ...written(type), version: next }))).toThrow(`version: ${next} of ${type} is newer than this build knows`);
    }
  });

  it('still names the field a current-version event breaks', () => {
    const broken = overTheWire({ ...written('escalation-resolved'), data: { ...samples['escalation-resolved'], resolvedAt: 'yesterday' } });
    expect(() => parseEvent(broken)).toThrow('data.resolvedAt: resolvedAt must be a valid ISO 8601 date string');
  });
});

describe('event versions', () => {
  it('give every type a current version and, below it, a chain of older versions with no gap up to it', () => {
    for (const type of EventTypes) {
      const history: EventHistory = EventVersions[type];
      const older = Object.keys(history.older).map(Number).sort((a, b) => a - b);
      const expected = older.length === 0 ? [] : Array.from({ length: history.current - older[0] }, (_, i) => older[0] + i);
      expect([type, Number.isInteger(history.current) && history.current >= 1, older]).toEqual([type, true, expected]);
    }
  });
});

describe('isEventOf', () => {
  it('holds for exactly the types of the list it is given', () => {
    const topicTypes = [...AlarmEventTypes, ...SlaEventTypes] as readonly EventType[];
    for (const type of EventTypes) expect(isEventOf(parseEvent(overTheWire(written(type))), [...AlarmEventTypes, ...SlaEventTypes])).toBe(topicTypes.includes(type));
  });
});

describe('escalationAlarm', () => {
  it('is the alarm a page lists first, and the one an acknowledgement or resolution names', () => {
    for (const type of EscalationEventTypes) {
      const event = parseEvent(overTheWire(written(type)));
      if (!isEventOf(event, EscalationEventTypes)) throw new Error(`${type} is an escalation event`);
      expect(escalationAlarm(event)).toEqual(alarm);
    }
  });
});
