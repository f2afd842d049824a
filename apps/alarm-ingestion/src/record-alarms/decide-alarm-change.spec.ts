import { decideAlarmChange, type AlarmChange, type AlarmState } from './decide-alarm-change';

const raise: AlarmChange = {
  alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'DB down',
  source: 'prometheus', labels: { team: 'payments' }, occurredAt: '2026-11-03T10:00:00.000Z',
};
const clear: AlarmChange = { ...raise, status: 'cleared', summary: '', occurredAt: '2026-11-03T11:30:00.000Z' };
const active: AlarmState = { status: 'active', serviceId: 'checkout-api', severity: 'critical', summary: 'DB down', raisedAt: raise.occurredAt, version: 1 };

describe('decideAlarmChange', () => {
  it('records a raise of an unknown alarm with the source time as raisedAt', () => {
    const decision = decideAlarmChange(undefined, raise);
    expect(decision).toEqual({
      result: 'recorded', type: 'alarm-raised',
      data: { alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', summary: 'DB down', source: 'prometheus', labels: { team: 'payments' }, raisedAt: '2026-11-03T10:00:00.000Z' },
    });
  });

  it('treats a raise of an active alarm as a duplicate', () => {
    expect(decideAlarmChange(active, raise)).toMatchObject({ result: 'duplicate' });
  });

  it('records a raise of a cleared alarm as a new outage', () => {
    expect(decideAlarmChange({ ...active, status: 'cleared' }, raise)).toMatchObject({ result: 'recorded', type: 'alarm-raised' });
  });

  it('clears an active alarm with its raise time, keeping its service, severity and summary', () => {
    expect(decideAlarmChange(active, clear)).toEqual({
      result: 'recorded', type: 'alarm-cleared',
      data: { alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', summary: 'DB down', resolution: 'resolved', raisedAt: '2026-11-03T10:00:00.000Z', clearedAt: '2026-11-03T11:30:00.000Z' },
    });
  });

  it('carries a cancelled resolution through', () => {
    expect(decideAlarmChange(active, { ...clear, resolution: 'cancelled' })).toMatchObject({ data: { resolution: 'cancelled' } });
  });

  it('ignores a clear of an unknown or already cleared alarm', () => {
    expect(decideAlarmChange(undefined, clear)).toMatchObject({ result: 'ignored' });
    expect(decideAlarmChange({ ...active, status: 'cleared' }, clear)).toMatchObject({ result: 'ignored' });
  });
});
