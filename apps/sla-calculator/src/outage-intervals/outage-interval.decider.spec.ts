import { newEvent, type AlarmClearedData, type AlarmRaisedData } from '@vigil/contracts';
import { decideOutage, type AlarmEvent, type OpenOutage } from './outage-interval.decider';

const alarm = { alarmKey: 'a-1', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'checkout down' };
const raisedAt = '2026-11-03T10:00:00.000Z';
const clearedAt = '2026-11-03T10:12:00.000Z';

function raised(overrides: Partial<AlarmRaisedData> = {}): AlarmEvent {
  return newEvent({ type: 'alarm-raised', tenantId: 'acme', subject: alarm.alarmKey, occurredAt: raisedAt, data: { ...alarm, source: 'test', labels: {}, raisedAt, ...overrides } });
}
function cleared(overrides: Partial<AlarmClearedData> = {}): AlarmEvent {
  return newEvent({ type: 'alarm-cleared', tenantId: 'acme', subject: alarm.alarmKey, occurredAt: clearedAt, data: { ...alarm, resolution: 'resolved', raisedAt, clearedAt, ...overrides } });
}
function acknowledged(): AlarmEvent {
  return newEvent({ type: 'alarm-acknowledged', tenantId: 'acme', subject: alarm.alarmKey, occurredAt: clearedAt, data: { ...alarm, acknowledgedAt: clearedAt } });
}

const given = (open?: OpenOutage) => ({ when: (event: AlarmEvent) => decideOutage(open, event) });

describe('decideOutage', () => {
  it('opens an interval at the source raise time', () => {
    expect(given(undefined).when(raised())).toEqual({ kind: 'open', startedAt: Date.parse(raisedAt) });
  });

  it('opens no second interval for a repeated raise of an active alarm', () => {
    expect(given({ startedAt: Date.parse(raisedAt) }).when(raised({ raisedAt: '2026-11-03T10:05:00.000Z' }))).toMatchObject({ kind: 'none' });
  });

  it('closes the open interval at the source clear time', () => {
    expect(given({ startedAt: Date.parse(raisedAt) }).when(cleared())).toEqual({ kind: 'close', endedAt: Date.parse(clearedAt), cancelled: false });
  });

  it('marks the interval cancelled when the alarm was a false positive', () => {
    expect(given({ startedAt: Date.parse(raisedAt) }).when(cleared({ resolution: 'cancelled' }))).toEqual({ kind: 'close', endedAt: Date.parse(clearedAt), cancelled: true });
  });

  it('records a closed interval from the clear alone when the raise was never seen', () => {
    expect(given(undefined).when(cleared())).toEqual({ kind: 'record-closed', startedAt: Date.parse(raisedAt), endedAt: Date.parse(clearedAt), cancelled: false });
  });

  it('never ends an interval before it started, even for a clear stamped earlier than the raise', () => {
    expect(given({ startedAt: Date.parse(raisedAt) }).when(cleared({ clearedAt: '2026-11-03T09:59:00.000Z' }))).toEqual({ kind: 'close', endedAt: Date.parse(raisedAt), cancelled: false });
  });

  it('keeps the interval open when the alarm is acknowledged', () => {
    expect(given({ startedAt: Date.parse(raisedAt) }).when(acknowledged())).toMatchObject({ kind: 'none' });
  });
});
