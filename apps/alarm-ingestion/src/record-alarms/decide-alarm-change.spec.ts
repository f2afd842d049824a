import { newEvent } from '@vigil/contracts';
import { decideAlarmChange, evolveAlarm, type AlarmChange, type AlarmEvent, type AlarmState } from './decide-alarm-change';

const raise: AlarmChange = {
  alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'DB down',
  source: 'prometheus', labels: { team: 'payments' }, occurredAt: '2026-11-03T10:00:00.000Z',
};
const clear: AlarmChange = { ...raise, status: 'cleared', summary: '', occurredAt: '2026-11-03T11:30:00.000Z' };
const ack: AlarmChange = { ...raise, status: 'acknowledged', occurredAt: '2026-11-03T10:05:00.000Z', acknowledgedBy: 'ada' };
const active: AlarmState = {
  status: 'active', serviceId: 'checkout-api', severity: 'critical', summary: 'DB down', source: 'prometheus', labels: { team: 'payments' },
  raisedAt: raise.occurredAt, raisedEventId: '01a2018e-0000-7000-8000-000000000001', version: 1,
};
const cleared: AlarmState = { ...active, status: 'cleared', clearedAt: clear.occurredAt, clearedEventId: '01a2018e-0000-7000-8000-000000000002', version: 2 };

describe('decideAlarmChange', () => {
  describe('given no alarm', () => {
    it('records a raise with the source time as raisedAt', () => {
      expect(decideAlarmChange(undefined, raise)).toEqual({
        result: 'recorded', type: 'alarm-raised',
        data: { alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', summary: 'DB down', source: 'prometheus', labels: { team: 'payments' }, raisedAt: '2026-11-03T10:00:00.000Z' },
      });
    });

    it('ignores a clear and an acknowledgement, with the reason', () => {
      expect(decideAlarmChange(undefined, clear)).toEqual({ result: 'ignored', reason: 'the alarm is not known' });
      expect(decideAlarmChange(undefined, ack)).toMatchObject({ result: 'ignored' });
    });
  });

  describe('given an active alarm', () => {
    it('treats the same raise again as a duplicate', () => {
      expect(decideAlarmChange(active, { ...raise, occurredAt: '2026-11-03T10:05:00.000Z' })).toMatchObject({ result: 'duplicate' });
    });

    it('records a raise with another severity as a severity change, keeping the start', () => {
      expect(decideAlarmChange(active, { ...raise, severity: 'major', occurredAt: '2026-11-03T10:20:00.000Z' })).toEqual({
        result: 'recorded', type: 'alarm-severity-changed', reason: 'severity critical → major',
        data: { alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'major', summary: 'DB down', previousSeverity: 'critical', changedAt: '2026-11-03T10:20:00.000Z', raisedAt: '2026-11-03T10:00:00.000Z' },
      });
    });

    it('records a late raise with an earlier source time as a correction of the start', () => {
      expect(decideAlarmChange(active, { ...raise, occurredAt: '2026-11-03T09:40:00.000Z' })).toMatchObject({
        result: 'recorded', type: 'alarm-raised', data: { raisedAt: '2026-11-03T09:40:00.000Z', corrects: active.raisedEventId },
      });
    });

    it('clears it with its raise time, keeping its service and severity', () => {
      expect(decideAlarmChange(active, clear)).toEqual({
        result: 'recorded', type: 'alarm-cleared',
        data: { alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', summary: 'DB down', resolution: 'resolved', raisedAt: '2026-11-03T10:00:00.000Z', clearedAt: '2026-11-03T11:30:00.000Z' },
      });
    });

    it('carries a cancelled resolution through', () => {
      expect(decideAlarmChange(active, { ...clear, resolution: 'cancelled' })).toMatchObject({ data: { resolution: 'cancelled' } });
    });

    it('ignores a clear older than the raise', () => {
      expect(decideAlarmChange(active, { ...clear, occurredAt: '2026-11-03T09:00:00.000Z' })).toMatchObject({ result: 'ignored' });
    });

    it('records the first acknowledgement, with who, and treats the next as a duplicate', () => {
      expect(decideAlarmChange(active, ack)).toMatchObject({ result: 'recorded', type: 'alarm-acknowledged', data: { acknowledgedAt: ack.occurredAt, acknowledgedBy: 'ada' } });
      expect(decideAlarmChange({ ...active, acknowledgedAt: ack.occurredAt }, ack)).toMatchObject({ result: 'duplicate' });
    });
  });

  describe('given a cleared alarm', () => {
    it('records a raise after the end as a new outage', () => {
      expect(decideAlarmChange(cleared, { ...raise, occurredAt: '2026-11-03T12:00:00.000Z' })).toMatchObject({ result: 'recorded', type: 'alarm-raised', data: { raisedAt: '2026-11-03T12:00:00.000Z' } });
    });

    it('treats a raise from before the end as a duplicate of the outage already recorded', () => {
      expect(decideAlarmChange(cleared, raise)).toMatchObject({ result: 'duplicate' });
    });

    it('records a late clear with an earlier source time as a correction of the end', () => {
      expect(decideAlarmChange(cleared, { ...clear, occurredAt: '2026-11-03T11:00:00.000Z' })).toMatchObject({
        result: 'recorded', type: 'alarm-cleared', data: { clearedAt: '2026-11-03T11:00:00.000Z', raisedAt: raise.occurredAt, corrects: cleared.clearedEventId },
      });
    });

    it('ignores the same clear again and an acknowledgement', () => {
      expect(decideAlarmChange(cleared, clear)).toEqual({ result: 'ignored', reason: 'the alarm is already cleared' });
      expect(decideAlarmChange(cleared, ack)).toMatchObject({ result: 'ignored' });
    });
  });
});

describe('evolveAlarm', () => {
  /** Plays changes through decide and evolve, as the store does. */
  const play = (changes: AlarmChange[]) =>
    changes.reduce<AlarmState | undefined>((state, change) => {
      const decision = decideAlarmChange(state, change);
      if (decision.result !== 'recorded') return state;
      const event = newEvent({ type: decision.type, tenantId: 't', subject: change.alarmKey, sequence: (state?.version ?? 0) + 1, occurredAt: change.occurredAt, data: decision.data } as Parameters<typeof newEvent>[0]) as AlarmEvent;
      return evolveAlarm(state, event);
    }, undefined);

  it('follows an alarm through raise, severity change, acknowledgement and clear', () => {
    const state = play([raise, { ...raise, severity: 'major', occurredAt: '2026-11-03T10:10:00.000Z' }, ack, clear]);
    expect(state).toMatchObject({ status: 'cleared', severity: 'major', raisedAt: raise.occurredAt, acknowledgedAt: ack.occurredAt, clearedAt: clear.occurredAt, version: 4 });
  });

  it('keeps the acknowledgement through a correction of the start, and drops it for a new outage', () => {
    const corrected = play([raise, ack, { ...raise, occurredAt: '2026-11-03T09:30:00.000Z' }]);
    expect(corrected).toMatchObject({ status: 'active', raisedAt: '2026-11-03T09:30:00.000Z', acknowledgedAt: ack.occurredAt, version: 3 });
    const again = play([raise, ack, clear, { ...raise, occurredAt: '2026-11-03T12:00:00.000Z' }]);
    expect(again).toMatchObject({ status: 'active', raisedAt: '2026-11-03T12:00:00.000Z', version: 4 });
    expect(again!.acknowledgedAt).toBeUndefined();
    expect(again!.clearedAt).toBeUndefined();
  });
});
