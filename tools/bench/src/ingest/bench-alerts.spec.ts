import { chunk, generateAlerts } from './bench-alerts';
import { recordedAlarms, vigilRequests } from './vigil-payload';

const startedBy = new Date('2026-03-01T12:00:00.000Z');

describe('generateAlerts', () => {
  it('gives the same alerts for the same arguments, so every target gets the same ones', () => {
    expect(generateAlerts(50, startedBy)).toEqual(generateAlerts(50, startedBy));
  });

  it('gives distinct alarm ids spread over many services, all started by the given time', () => {
    const alerts = generateAlerts(1_000, startedBy);
    expect(new Set(alerts.map((a) => a.alarmId)).size).toBe(1_000);
    expect(new Set(alerts.map((a) => a.serviceId)).size).toBeGreaterThanOrEqual(12);
    expect(alerts.every((a) => Date.parse(a.startsAt) < startedBy.getTime())).toBe(true);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => generateAlerts(-1, startedBy)).toThrow(RangeError);
    expect(() => generateAlerts(1.5, startedBy)).toThrow(RangeError);
  });
});

describe('chunk', () => {
  it('cuts into consecutive pieces of at most the size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe('vigilRequests', () => {
  const alerts = generateAlerts(3, startedBy);

  it('posts the change alone for single requests and { alarms } for batches', () => {
    const [single] = vigilRequests(alerts, 1);
    expect(JSON.parse(single.body.toString())).toMatchObject({ alarmId: alerts[0].alarmId, status: 'raised', occurredAt: alerts[0].startsAt });
    const [batch] = vigilRequests(alerts, 500);
    expect(JSON.parse(batch.body.toString()).alarms).toHaveLength(3);
    expect(batch.events).toBe(3);
  });
});

describe('recordedAlarms', () => {
  const request = { body: Buffer.alloc(0), events: 2 };

  it('counts the recorded results', () => {
    expect(recordedAlarms({ status: 202, body: '{"results":[{"result":"recorded"},{"result":"recorded"}]}' }, request)).toBe(2);
  });

  it('fails when a result is missing or not recorded', () => {
    expect(() => recordedAlarms({ status: 202, body: '{"results":[{"result":"recorded"}]}' }, request)).toThrow(/expected 2 results/);
    expect(() => recordedAlarms({ status: 202, body: '{"results":[{"result":"recorded"},{"result":"duplicate"}]}' }, request)).toThrow(/not recorded/);
  });
});
