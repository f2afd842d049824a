import { pagedKeys } from './page-receiver';

describe('pagedKeys', () => {
  it('reads the alarm of a Vigil escalation-triggered webhook, and nothing of its acknowledged or resolved notices', () => {
    expect(pagedKeys({ type: 'escalation-triggered', alarm: { alarmKey: 'page-000001' } })).toEqual(['page-000001']);
    expect(pagedKeys({ type: 'escalation-resolved', alarm: { alarmKey: 'page-000001' } })).toEqual([]);
  });

  it('reads every firing alert of an Alertmanager webhook by its alarm_key label', () => {
    expect(pagedKeys({
      version: '4',
      alerts: [
        { status: 'firing', labels: { alarm_key: 'page-000001' } },
        { status: 'resolved', labels: { alarm_key: 'page-000002' } },
        { status: 'firing', labels: { alertname: 'NoKey' } },
      ],
    })).toEqual(['page-000001']);
  });

  it('pages for nothing it does not recognise', () => {
    expect(pagedKeys(null)).toEqual([]);
    expect(pagedKeys({ text: 'slack' })).toEqual([]);
  });
});
