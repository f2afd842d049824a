import { generateAlerts } from './bench-alerts';
import { LabelName, alertmanagerRequests, toPostableAlert, type PostableAlert } from './alertmanager-payload';

const startedBy = new Date('2026-03-01T12:00:00.000Z');
const endsAt = new Date('2026-03-01T13:00:00.000Z');

function bodyOf(buffer: Buffer): PostableAlert[] {
  return JSON.parse(buffer.toString('utf8')) as PostableAlert[];
}

describe('toPostableAlert', () => {
  const [alert] = generateAlerts(1, startedBy);

  it('has exactly the fields of Alertmanager\'s postableAlert', () => {
    const posted = toPostableAlert(alert, { endsAt });
    expect(Object.keys(posted).sort()).toEqual(['annotations', 'endsAt', 'generatorURL', 'labels', 'startsAt']);
    expect(posted.startsAt).toBe(alert.startsAt);
    expect(posted.endsAt).toBe('2026-03-01T13:00:00.000Z');
    expect(new URL(posted.generatorURL).protocol).toBe('http:');
  });

  it('carries service and severity as labels, the text as annotations', () => {
    const posted = toPostableAlert(alert, { endsAt });
    expect(posted.labels).toMatchObject({ service: alert.serviceId, severity: alert.severity, alertname: alert.labels.alertname, instance: alert.labels.instance });
    expect(posted.annotations).toEqual({ summary: alert.summary, source: alert.source, alarm_id: alert.alarmId });
  });

  it('uses only valid Prometheus label names, with string values', () => {
    const posted = toPostableAlert(alert, { endsAt, extraLabels: { bench_case: 'batched' } });
    for (const [name, value] of Object.entries(posted.labels)) {
      expect(name).toMatch(LabelName);
      expect(typeof value).toBe('string');
    }
    expect(posted.labels.bench_case).toBe('batched');
  });

  it('refuses an invalid label name', () => {
    expect(() => toPostableAlert(alert, { endsAt, extraLabels: { 'bench-case': 'x' } })).toThrow(/label name/);
  });

  it('posts a firing alert: endsAt must lie after startsAt', () => {
    expect(() => toPostableAlert(alert, { endsAt: new Date(Date.parse(alert.startsAt) - 1) })).toThrow(/not after startsAt/);
  });
});

describe('alertmanagerRequests', () => {
  const alerts = generateAlerts(1_201, startedBy);

  it('cuts the alerts into JSON arrays of the batch size, the remainder last', () => {
    const requests = alertmanagerRequests(alerts, 500, { endsAt });
    expect(requests.map((r) => r.events)).toEqual([500, 500, 201]);
    expect(requests.map((r) => bodyOf(r.body).length)).toEqual([500, 500, 201]);
  });

  it('sends one alert as an array of one, since the API takes only arrays', () => {
    const requests = alertmanagerRequests(alerts.slice(0, 3), 1, { endsAt });
    expect(requests).toHaveLength(3);
    const body = bodyOf(requests[0].body);
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(1);
  });

  it('keeps every alert, in order, each with a label set of its own (a distinct fingerprint)', () => {
    const posted = alertmanagerRequests(alerts, 500, { endsAt }).flatMap((r) => bodyOf(r.body));
    expect(posted.map((a) => a.annotations.alarm_id)).toEqual(alerts.map((a) => a.alarmId));
    const labelSets = new Set(posted.map((a) => JSON.stringify(Object.entries(a.labels).sort())));
    expect(labelSets.size).toBe(alerts.length);
  });
});
