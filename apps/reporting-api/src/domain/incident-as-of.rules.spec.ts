import { incidentAsOf, incidentDowntime, scopeMaintenance, type IncidentRecord } from './incident-as-of.rules';

const at = (iso: string) => Date.parse(iso);

function record(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id: '1', alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', summary: 'db down',
    startedAt: at('2026-11-05T09:00:00Z'), endedAt: at('2026-11-05T11:00:00Z'),
    recordedAt: at('2026-11-05T10:00:05Z'), endedRecordedAt: at('2026-11-05T12:00:05Z'),
    acknowledgedAt: at('2026-11-05T10:10:00Z'), acknowledgedRecordedAt: at('2026-11-05T10:10:01Z'),
    resolution: 'resolved', raisedEventId: 'raise', clearedEventId: 'clear', acknowledgedEventId: 'ack',
    corrections: [
      { eventId: 'late-raise', field: 'started_at', from: '2026-11-05T10:00:00.000Z', to: '2026-11-05T09:00:00.000Z', recordedAt: '2026-11-05T10:30:00.000Z' },
      { eventId: 'late-clear', field: 'ended_at', from: '2026-11-05T12:00:00.000Z', to: '2026-11-05T11:00:00.000Z', recordedAt: '2026-11-06T08:00:00.000Z' },
    ],
    severities: [{ at: at('2026-11-05T10:00:00Z'), severity: 'critical', rank: 1, eventId: 'raise' }],
    ...overrides,
  };
}

describe('incidentAsOf', () => {
  it('knows nothing of an incident before its first event was recorded', () => {
    expect(incidentAsOf(record(), at('2026-11-05T10:00:00Z'))).toBeUndefined();
  });

  it('sees the alarm open, from its first start, before its clear and the corrections were recorded', () => {
    const view = incidentAsOf(record(), at('2026-11-05T10:20:00Z'));
    expect(view).toMatchObject({ startedAt: at('2026-11-05T10:00:00Z'), endedAt: null, resolution: null, acknowledgedAt: at('2026-11-05T10:10:00Z') });
    expect(view?.eventIds).toEqual(['raise', 'ack']);
  });

  it('applies the corrections recorded by then and undoes the later ones', () => {
    // After the late raise and the clear, before the late clear: 09:00 to 12:00.
    const view = incidentAsOf(record(), at('2026-11-05T13:00:00Z'));
    expect(view).toMatchObject({ startedAt: at('2026-11-05T09:00:00Z'), endedAt: at('2026-11-05T12:00:00Z'), resolution: 'resolved' });
    expect(view?.eventIds).toEqual(['raise', 'late-raise', 'clear', 'ack']);
    expect(incidentAsOf(record(), at('2026-11-07T00:00:00Z'))).toMatchObject({ startedAt: at('2026-11-05T09:00:00Z'), endedAt: at('2026-11-05T11:00:00Z') });
  });

  it('takes corrections recorded before their time was kept as always known', () => {
    const old = record({ corrections: [{ eventId: 'late-raise', field: 'started_at', from: '2026-11-05T10:00:00.000Z', to: '2026-11-05T09:00:00.000Z' }] });
    expect(incidentAsOf(old, at('2026-11-05T10:20:00Z'))?.startedAt).toBe(at('2026-11-05T09:00:00Z'));
  });

  it('counts a cancelled incident only as long as its cancellation was not yet known', () => {
    const cancelled = record({ resolution: 'cancelled', corrections: [] });
    const before = incidentAsOf(cancelled, at('2026-11-05T11:30:00Z'))!;
    const after = incidentAsOf(cancelled, at('2026-11-05T12:30:00Z'))!;
    const counted = new Set(['critical', 'major'] as const);
    expect(incidentDowntime(before, counted, [])).toEqual([{ start: at('2026-11-05T09:00:00Z'), end: Infinity }]);
    expect(incidentDowntime(after, counted, [])).toEqual([]);
  });
});

describe('incidentDowntime and scopeMaintenance', () => {
  const windows = [
    { name: 'checkout', services: ['checkout-api'], start: at('2026-11-05T10:00:00Z'), end: at('2026-11-05T10:30:00Z'), reason: null },
    { name: 'everything', services: ['*'], start: at('2026-11-05T10:45:00Z'), end: at('2026-11-05T11:00:00Z'), reason: null },
    { name: 'payments', services: ['payments-api'], start: at('2026-11-05T09:00:00Z'), end: at('2026-11-05T11:00:00Z'), reason: null },
  ];

  it('cuts the windows of the incident\'s own service and of every service', () => {
    const view = incidentAsOf(record({ corrections: [] }), at('2026-11-07T00:00:00Z'))!;
    // Down 09:00-11:00, less checkout-api's 10:00-10:30 and everyone's 10:45-11:00; payments-api's window is not its business.
    expect(incidentDowntime(view, new Set(['critical']), windows)).toEqual([
      { start: at('2026-11-05T09:00:00Z'), end: at('2026-11-05T10:00:00Z') },
      { start: at('2026-11-05T10:30:00Z'), end: at('2026-11-05T10:45:00Z') },
    ]);
  });

  it('takes out of a service\'s denominator its windows, and of the tenant\'s only those of every service', () => {
    expect(scopeMaintenance(windows, 'checkout-api').map((w) => w.start)).toEqual([at('2026-11-05T10:00:00Z'), at('2026-11-05T10:45:00Z')]);
    expect(scopeMaintenance(windows, undefined).map((w) => w.start)).toEqual([at('2026-11-05T10:45:00Z')]);
  });
});
