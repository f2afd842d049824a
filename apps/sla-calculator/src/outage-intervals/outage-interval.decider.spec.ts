import { newEvent, type AlarmClearedData, type AlarmRaisedData, type Severity } from '@vigil/contracts';
import { decideOutage, type AlarmEvent, type AlarmOutages } from './outage-interval.decider';

const alarm = { alarmKey: 'a-1', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'checkout down' };
const raisedAt = '2026-11-03T10:00:00.000Z';
const clearedAt = '2026-11-03T10:12:00.000Z';
const at = (iso: string) => Date.parse(iso);
const CORRECTED = '0190aaaa-0000-7000-8000-000000000009';

function raised(overrides: Partial<AlarmRaisedData> = {}, sequence = 1): AlarmEvent {
  return newEvent({ type: 'alarm-raised', tenantId: 'acme', subject: alarm.alarmKey, sequence, occurredAt: raisedAt, data: { ...alarm, source: 'test', labels: {}, raisedAt, ...overrides } });
}
function cleared(overrides: Partial<AlarmClearedData> = {}, sequence = 2): AlarmEvent {
  return newEvent({ type: 'alarm-cleared', tenantId: 'acme', subject: alarm.alarmKey, sequence, occurredAt: clearedAt, data: { ...alarm, resolution: 'resolved', raisedAt, clearedAt, ...overrides } });
}
function severityChanged(previousSeverity: Severity, severity: Severity, changedAt: string, sequence = 2): AlarmEvent {
  return newEvent({ type: 'alarm-severity-changed', tenantId: 'acme', subject: alarm.alarmKey, sequence, occurredAt: changedAt, data: { ...alarm, severity, previousSeverity, changedAt, raisedAt } });
}
function acknowledged(): AlarmEvent {
  return newEvent({ type: 'alarm-acknowledged', tenantId: 'acme', subject: alarm.alarmKey, sequence: 2, occurredAt: clearedAt, data: { ...alarm, acknowledgedAt: clearedAt } });
}

const given = (outages: AlarmOutages = {}) => ({ when: (event: AlarmEvent) => decideOutage(outages, event) });
const active = { open: { startedAt: at(raisedAt) } };
const ended = { lastClosed: { startedAt: at(raisedAt), endedAt: at(clearedAt) } };

describe('decideOutage', () => {
  it('opens an interval at the source raise time, at the raised severity', () => {
    expect(given().when(raised())).toEqual({ kind: 'open', startedAt: at(raisedAt), severities: [{ at: at(raisedAt), severity: 'critical', rank: 1 }] });
  });

  it('opens no second interval for a repeated raise of an active alarm', () => {
    expect(given(active).when(raised({ raisedAt: '2026-11-03T10:05:00.000Z' }))).toMatchObject({ kind: 'none' });
  });

  it('closes the open interval at the source clear time', () => {
    expect(given(active).when(cleared())).toEqual({ kind: 'close', endedAt: at(clearedAt), cancelled: false });
  });

  it('marks the interval cancelled when the alarm was a false positive', () => {
    expect(given(active).when(cleared({ resolution: 'cancelled' }))).toEqual({ kind: 'close', endedAt: at(clearedAt), cancelled: true });
  });

  it('records a closed interval from the clear alone when the raise was never seen, assuming the clear\'s severity', () => {
    expect(given().when(cleared())).toEqual({
      kind: 'record-closed', startedAt: at(raisedAt), endedAt: at(clearedAt), cancelled: false, severities: [{ at: at(raisedAt), severity: 'critical', rank: 0 }],
    });
  });

  it('opens nothing for the raise of an outage already recorded from its clear, nor for a repeated clear', () => {
    expect(given(ended).when(raised())).toMatchObject({ kind: 'none' });
    expect(given(ended).when(cleared({ clearedAt: '2026-11-03T10:15:00.000Z' }))).toMatchObject({ kind: 'none' });
  });

  it('never ends an interval before it started, even for a clear stamped earlier than the raise', () => {
    expect(given(active).when(cleared({ clearedAt: '2026-11-03T09:59:00.000Z' }))).toEqual({ kind: 'close', endedAt: at(raisedAt), cancelled: false });
  });

  it('keeps the interval open when the alarm is acknowledged', () => {
    expect(given(active).when(acknowledged())).toMatchObject({ kind: 'none' });
  });
});

describe('decideOutage on a severity change', () => {
  it('goes on at the new severity from the source time of the change', () => {
    expect(given(active).when(severityChanged('warning', 'critical', '2026-11-03T10:20:00.000Z', 2))).toEqual({
      kind: 'change-severity', severity: { at: at('2026-11-03T10:20:00.000Z'), severity: 'critical', rank: 2 },
    });
  });

  it('opens the interval from the change when its raise was never seen, at the previous severity until the change', () => {
    expect(given().when(severityChanged('warning', 'critical', '2026-11-03T10:20:00.000Z', 2))).toEqual({
      kind: 'open', startedAt: at(raisedAt),
      severities: [{ at: at(raisedAt), severity: 'warning', rank: 0 }, { at: at('2026-11-03T10:20:00.000Z'), severity: 'critical', rank: 2 }],
    });
  });

  it('never reopens an interval that has ended', () => {
    expect(given(ended).when(severityChanged('warning', 'critical', '2026-11-03T10:05:00.000Z'))).toMatchObject({ kind: 'none' });
  });
});

describe('decideOutage on corrected history', () => {
  it('moves the start of the open interval earlier on a corrected raise', () => {
    expect(given(active).when(raised({ raisedAt: '2026-11-03T09:30:00.000Z', corrects: CORRECTED }, 3))).toEqual({
      kind: 'correct-start', startedAt: at('2026-11-03T09:30:00.000Z'), severity: { at: at('2026-11-03T09:30:00.000Z'), severity: 'critical', rank: 3 },
    });
  });

  it('ignores a corrected raise that is not earlier', () => {
    expect(given(active).when(raised({ raisedAt: '2026-11-03T10:30:00.000Z', corrects: CORRECTED }, 3))).toMatchObject({ kind: 'none' });
  });

  it('opens the interval from a corrected raise whose raise was never seen', () => {
    expect(given().when(raised({ raisedAt: '2026-11-03T09:30:00.000Z', corrects: CORRECTED }, 3))).toMatchObject({ kind: 'open', startedAt: at('2026-11-03T09:30:00.000Z') });
  });

  it('moves the end of the last interval earlier on a corrected clear, never before its start', () => {
    expect(given(ended).when(cleared({ clearedAt: '2026-11-03T10:05:00.000Z', corrects: CORRECTED }, 3))).toEqual({ kind: 'correct-end', endedAt: at('2026-11-03T10:05:00.000Z') });
    expect(given(ended).when(cleared({ clearedAt: '2026-11-03T09:00:00.000Z', corrects: CORRECTED }, 3))).toEqual({ kind: 'correct-end', endedAt: at(raisedAt) });
  });

  it('ignores a corrected clear that is not earlier', () => {
    expect(given(ended).when(cleared({ clearedAt: '2026-11-03T10:30:00.000Z', corrects: CORRECTED }, 3))).toMatchObject({ kind: 'none' });
  });

  it('closes the open interval with a corrected clear whose clear was never seen', () => {
    expect(given(active).when(cleared({ corrects: CORRECTED }, 3))).toEqual({ kind: 'close', endedAt: at(clearedAt), cancelled: false });
  });
});
