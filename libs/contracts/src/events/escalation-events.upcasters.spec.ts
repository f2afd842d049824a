import 'reflect-metadata';
import fc from 'fast-check';
import { InvalidEventError, parseEvent } from './envelope';
import { pagedAlarm, type EscalationTriggeredData } from './escalation-events';
import { escalationTriggeredV1ToV2 } from './escalation-events.upcasters';
import type { EscalationTriggeredDataV1 } from './escalation-events.v1';
import { newEvent } from './new-event';
import { Severities } from './severity';

const alarm = { alarmKey: 'fp-db-down', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'Primary DB unreachable' };
const reason = { trigger: 'sla-breached' as const, eventId: '0196a4b0-0000-7000-8000-000000000001', policy: 'checkout-availability', detail: 'error budget exhausted' };
const v1: EscalationTriggeredDataV1 = {
  escalationId: '0196a4b0-0000-7000-8000-0000000000e1', policy: 'critical-paging', level: 1, round: 2, targets: ['ops-webhook', 'oncall-slack'], alarm, reason,
};

/** An envelope as the escalation service wrote it before version 2. */
function publishedAsV1(data: unknown): Record<string, unknown> {
  const { data: _current, ...envelope } = newEvent({
    type: 'escalation-triggered', tenantId: 'acme', subject: v1.escalationId, occurredAt: '2026-11-03T10:00:00.000Z',
    data: escalationTriggeredV1ToV2(v1),
  });
  return JSON.parse(JSON.stringify({ ...envelope, version: 1, data }));
}

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof InvalidEventError) return error.problems;
    throw error;
  }
  throw new Error('expected the event to be refused');
}

describe('escalation-triggered v1 → v2', () => {
  it('makes the escalation the alarm’s service and lists that one alarm, keeping every other field as it was', () => {
    const v2: EscalationTriggeredData = escalationTriggeredV1ToV2(v1);
    expect(v2).toEqual({
      escalationId: v1.escalationId,
      policy: 'critical-paging',
      level: 1,
      round: 2,
      targets: ['ops-webhook', 'oncall-slack'],
      serviceId: 'checkout-api',
      alarms: [alarm],
      reason,
    });
    expect(v2).not.toHaveProperty('alarm');
    expect(pagedAlarm(v2)).toEqual(alarm);
  });

  it('leaves the v1 data it is given untouched', () => {
    const given = JSON.parse(JSON.stringify(v1));
    escalationTriggeredV1ToV2(given);
    expect(given).toEqual(v1);
  });

  it('passes through fields it does not name, as every consumer does', () => {
    const withExtra = { ...v1, runbook: 'https://runbooks.example.com/db' } as EscalationTriggeredDataV1;
    expect(escalationTriggeredV1ToV2(withExtra)).toMatchObject({ runbook: 'https://runbooks.example.com/db' });
  });

  it('is how a v1 page on the topic is read: at version 2, everything but the data as it was', () => {
    const raw = publishedAsV1(v1);
    const read = parseEvent(raw);
    expect(read).toEqual({ ...raw, version: 2, data: escalationTriggeredV1ToV2(v1) });
  });

  it('reads every v1 page as the page the escalation service writes today for the same alarm', () => {
    const text = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim().length > 0);
    const alarms = fc.record({ alarmKey: text(512), serviceId: text(256), severity: fc.constantFrom(...Severities), summary: fc.string({ maxLength: 1024 }) });
    fc.assert(fc.property(alarms, fc.nat(5), fc.nat(5), fc.array(text(40), { maxLength: 4 }), (paged, level, round, targets) => {
      const data = { ...v1, level, round, targets, alarm: paged };
      const current = newEvent({
        type: 'escalation-triggered', tenantId: 'acme', subject: v1.escalationId, occurredAt: '2026-11-03T10:00:00.000Z',
        data: { escalationId: v1.escalationId, policy: v1.policy, level, round, targets, serviceId: paged.serviceId, alarms: [paged], reason },
      });
      const read = parseEvent(publishedAsV1(data));
      expect(read.version).toBe(current.version);
      expect(read.data).toEqual(current.data);
    }));
  });

  it('refuses a v1 page checked against the v1 shape, naming the field', () => {
    expect(problemsOf(() => parseEvent(publishedAsV1({ ...v1, alarm: { ...alarm, serviceId: '' } })))).toEqual(['data.alarm.serviceId: serviceId should not be empty']);
    const { alarm: _alarm, ...withoutAlarm } = v1;
    expect(problemsOf(() => parseEvent(publishedAsV1(withoutAlarm)))).toEqual([expect.stringMatching(/^data\.alarm: /)]);
  });

  it('refuses a version 2 page in the v1 shape: each version is checked against its own class', () => {
    const raw = { ...publishedAsV1(v1), version: 2 };
    expect(problemsOf(() => parseEvent(raw))).toEqual(expect.arrayContaining([expect.stringMatching(/^data\.serviceId: /), expect.stringMatching(/^data\.alarms: /)]));
  });

  it('refuses a version newer than this build knows, naming version', () => {
    const raw = { ...publishedAsV1(escalationTriggeredV1ToV2(v1)), version: 3 };
    expect(problemsOf(() => parseEvent(raw))).toEqual(['version: 3 of escalation-triggered is newer than this build knows (it reads up to 2)']);
  });
});

describe('pagedAlarm', () => {
  it('is the first of the escalation’s alarms, the one that opened it', () => {
    const later = { ...alarm, alarmKey: 'fp-latency' };
    expect(pagedAlarm({ escalationId: v1.escalationId, alarms: [alarm, later] })).toBe(alarm);
  });

  it('refuses to guess one for a page that lists none', () => {
    expect(() => pagedAlarm({ escalationId: v1.escalationId, alarms: [] })).toThrow(`the page of escalation ${v1.escalationId} lists no alarm`);
  });
});
