import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { fieldProblems } from '@vigil/platform-nest';
import { alertmanagerPayload } from './alertmanager-payload.fixture';
import { AlertmanagerWebhookDto } from './alertmanager-webhook.dto';
import {
  DefaultLabelMapping, alertOutcome, alertmanagerProblems, mapSeverity, planAlertmanagerChanges, type AlertPlan,
} from './map-alertmanager-alerts';

const NOW = Date.parse('2026-11-03T12:00:00Z');
const RECEIVED = '2026-11-03T12:00:00.000Z';

function parse(body: Record<string, unknown>) {
  const dto = plainToInstance(AlertmanagerWebhookDto, body);
  return { dto, problems: fieldProblems(validateSync(dto, { forbidUnknownValues: false })) };
}

describe('Alertmanager webhook mapping', () => {
  it('accepts the documented payload as Alertmanager sends it', () => {
    const { dto, problems } = parse(alertmanagerPayload());
    expect(problems).toEqual([]);
    expect(alertmanagerProblems(dto, DefaultLabelMapping, NOW)).toEqual([]);
  });

  it('raises a firing alert at startsAt, keyed by its fingerprint, with service, severity, summary and labels from the alert', () => {
    const [firing] = planAlertmanagerChanges(parse(alertmanagerPayload()).dto, DefaultLabelMapping, RECEIVED);
    expect(firing).toEqual({
      alarmKey: 'a1b2c3d4e5f60718', status: 'firing', notes: [],
      changes: [{
        alarmKey: 'a1b2c3d4e5f60718', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'Checkout is down', source: 'alertmanager',
        labels: { alertname: 'CheckoutDown', service: 'checkout-api', severity: 'critical', instance: 'checkout-1:8080', job: 'checkout' },
        occurredAt: '2026-11-03T09:00:00.123Z',
      }],
    });
  });

  it('clears a resolved alert at endsAt, preceded by its raise at startsAt for the case Vigil never saw it firing', () => {
    const [, resolved] = planAlertmanagerChanges(parse(alertmanagerPayload()).dto, DefaultLabelMapping, RECEIVED);
    expect(resolved.changes.map((c) => [c.status, c.occurredAt, c.severity, c.summary])).toEqual([
      ['raised', '2026-11-03T08:00:00.000Z', 'warning', 'p99 over 2s'],
      ['cleared', '2026-11-03T08:45:30.500Z', 'warning', 'p99 over 2s'],
    ]);
    expect(resolved.changes[1].resolution).toBe('resolved');
  });

  it('maps a repeated group to exactly the same changes, so the store sees duplicates', () => {
    const first = planAlertmanagerChanges(parse(alertmanagerPayload()).dto, DefaultLabelMapping, RECEIVED);
    const again = planAlertmanagerChanges(parse(alertmanagerPayload()).dto, DefaultLabelMapping, '2026-11-03T12:05:00.000Z');
    expect(again).toEqual(first);
  });

  it('clears a resolved alert whose endsAt is unknown at the time the notification arrived, and says so', () => {
    const body = alertmanagerPayload();
    body.alerts[1].endsAt = '0001-01-01T00:00:00Z';
    const [, resolved] = planAlertmanagerChanges(parse(body).dto, DefaultLabelMapping, RECEIVED);
    expect(resolved.changes[1]).toMatchObject({ status: 'cleared', occurredAt: RECEIVED });
    expect(resolved.notes).toEqual(['endsAt unknown: cleared at the time Vigil received the notification']);
  });

  it('ignores the end of a firing alert: Alertmanager only shows an end once it is reached', () => {
    const body = alertmanagerPayload();
    body.alerts[0].endsAt = '2026-11-03T10:04:00Z';
    const [firing] = planAlertmanagerChanges(parse(body).dto, DefaultLabelMapping, RECEIVED);
    expect(firing.changes.map((c) => c.status)).toEqual(['raised']);
  });

  it('reads service and severity from the labels the tenant maps', () => {
    const body = alertmanagerPayload();
    body.alerts[0].labels = { alertname: 'CheckoutDown', app: 'shop', priority: 'P2', service: 'ignored', severity: 'critical' } as never;
    const [firing] = planAlertmanagerChanges(parse(body).dto, { service: 'app', severity: 'priority' }, RECEIVED);
    expect(firing.changes[0]).toMatchObject({ serviceId: 'shop', severity: 'major' });
    expect(firing.notes).toEqual([]);
  });

  it('falls back to the job label, then to "unknown", when the service label is missing, and says so', () => {
    const body = alertmanagerPayload();
    body.alerts[0].labels = { alertname: 'X', job: 'node', severity: 'critical' } as never;
    body.alerts[1].labels = { alertname: 'Y', severity: 'critical' } as never;
    const [withJob, bare] = planAlertmanagerChanges(parse(body).dto, DefaultLabelMapping, RECEIVED);
    expect(withJob.changes[0].serviceId).toBe('node');
    expect(withJob.notes).toEqual(['no service label "service": service taken from label "job"']);
    expect(bare.changes[0].serviceId).toBe('unknown');
  });

  it('takes the summary from annotations.summary, then description, then the alert name', () => {
    const body = alertmanagerPayload();
    body.alerts[0].annotations = {} as never;
    const [firing, resolved] = planAlertmanagerChanges(parse(body).dto, DefaultLabelMapping, RECEIVED);
    expect(firing.changes[0].summary).toBe('CheckoutDown');
    expect(resolved.changes[0].summary).toBe('p99 over 2s');
  });

  describe('severity label values', () => {
    it.each([
      ['critical', 'critical'], ['page', 'critical'], ['CRITICAL', 'critical'], ['error', 'major'], ['high', 'major'], ['major', 'major'],
      ['low', 'minor'], ['minor', 'minor'], ['warning', 'warning'], ['warn', 'warning'], ['info', 'info'], ['none', 'info'],
    ])('maps %s to %s', (value, severity) => {
      expect(mapSeverity(value, 'severity')).toEqual({ severity });
    });

    it('maps a value it does not know, or none, to warning with the reason', () => {
      expect(mapSeverity('sev-banana', 'severity')).toEqual({ severity: 'warning', note: 'severity "sev-banana" (label "severity") is not one Vigil knows: recorded as warning' });
      expect(mapSeverity(undefined, 'prio')).toEqual({ severity: 'warning', note: 'no severity label "prio": recorded as warning' });
    });
  });

  describe('refusing what can never be recorded', () => {
    it('names version when it is not "4"', () => {
      expect(parse(alertmanagerPayload({ version: '3' })).problems).toEqual([expect.objectContaining({ field: 'version', rule: 'equals' })]);
    });

    it('names the field of a broken alert', () => {
      const body = alertmanagerPayload();
      (body.alerts[1] as Record<string, unknown>).fingerprint = '';
      (body.alerts[0] as Record<string, unknown>).status = 'pending';
      (body.alerts[0] as Record<string, unknown>).labels = { severity: 3 };
      expect(parse(body).problems.map((p) => p.field).sort()).toEqual(['alerts.0.labels', 'alerts.0.status', 'alerts.1.fingerprint']);
    });

    it('refuses an unknown or future startsAt and an endsAt before startsAt', () => {
      const body = alertmanagerPayload();
      body.alerts[0].startsAt = '0001-01-01T00:00:00Z';
      body.alerts[1].endsAt = '2026-11-03T07:00:00Z';
      expect(alertmanagerProblems(parse(body).dto, DefaultLabelMapping, NOW).map((p) => `${p.field} ${p.rule}`)).toEqual([
        'alerts.0.startsAt knownTime', 'alerts.1.endsAt notBeforeStartsAt',
      ]);
      body.alerts[0].startsAt = '2026-11-03T13:00:00Z';
      expect(alertmanagerProblems(parse(body).dto, DefaultLabelMapping, NOW)[0]).toMatchObject({ field: 'alerts.0.startsAt', rule: 'notInFuture' });
    });
  });

  describe('the answer per alert', () => {
    const plan: AlertPlan = { alarmKey: 'fp', status: 'resolved', changes: [], notes: ['endsAt unknown: cleared at the time Vigil received the notification'] };

    it('is the clear, with both events, when Vigil first heard of the alert resolved', () => {
      expect(alertOutcome(plan, [
        { alarmId: 'fp', result: 'recorded', eventId: 'e1', type: 'alarm-raised' },
        { alarmId: 'fp', result: 'recorded', eventId: 'e2', type: 'alarm-cleared' },
      ])).toEqual({
        alarmId: 'fp', status: 'resolved', result: 'recorded', eventId: 'e2', type: 'alarm-cleared',
        reason: 'Vigil had not seen this alert firing: recorded its raise at startsAt first; endsAt unknown: cleared at the time Vigil received the notification',
        events: [{ eventId: 'e1', type: 'alarm-raised' }, { eventId: 'e2', type: 'alarm-cleared' }],
      });
    });

    it('is the clear alone when the raise was already known', () => {
      expect(alertOutcome({ ...plan, notes: [] }, [
        { alarmId: 'fp', result: 'duplicate', reason: 'the alarm is already active' },
        { alarmId: 'fp', result: 'ignored', reason: 'the alarm is already cleared' },
      ])).toEqual({ alarmId: 'fp', status: 'resolved', result: 'ignored', reason: 'the alarm is already cleared', events: [] });
    });
  });
});
