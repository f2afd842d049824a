import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { fieldProblems } from '@vigil/platform-nest';
import { PagerDutyFollowUpDto, PagerDutyTriggerDto, type PagerDutyEvent } from './pagerduty-event.dto';
import { mapPagerDutyEvent, pagerDutyProblems } from './map-pagerduty-event';

const RECEIVED = '2026-11-03T12:00:00.000Z';
const NOW = Date.parse(RECEIVED);
const fixedKey = () => 'generated-key';
const fieldsOf = (problems: Array<{ field: string }>) => [...new Set(problems.map((p) => p.field))].sort();

/** The trigger of PagerDuty's own documentation (Send an Alert Event). */
const documentedTrigger = {
  payload: {
    summary: 'Example alert on host1.example.com',
    timestamp: '2015-07-17T08:42:58.315+0000',
    source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
    severity: 'info',
    component: 'postgres',
    group: 'prod-datapipe',
    class: 'deploy',
    custom_details: { 'ping time': '1500ms', 'load avg': 0.75 },
  },
  routing_key: 'samplekeyhere',
  dedup_key: 'samplekeyhere',
  images: [{ src: 'https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png', href: 'https://example.com/', alt: 'Example text' }],
  links: [{ href: 'https://example.com/', text: 'Link text' }],
  event_action: 'trigger',
  client: 'Sample Monitoring Service',
  client_url: 'https://monitoring.example.com',
};

function trigger(body: Record<string, unknown>) {
  const event = plainToInstance(PagerDutyTriggerDto, body);
  return { event: event as PagerDutyEvent, problems: fieldProblems(validateSync(event, { forbidUnknownValues: false })) };
}

function followUp(body: Record<string, unknown>) {
  const event = plainToInstance(PagerDutyFollowUpDto, body);
  return { event: event as PagerDutyEvent, problems: fieldProblems(validateSync(event, { forbidUnknownValues: false })) };
}

describe('PagerDuty Events API v2 mapping', () => {
  it('accepts the documented trigger and raises the alarm keyed by dedup_key, for the component, at the payload timestamp', () => {
    const { event, problems } = trigger(documentedTrigger);
    expect(problems).toEqual([]);
    expect(pagerDutyProblems(event, NOW)).toEqual([]);
    expect(mapPagerDutyEvent(event, RECEIVED, fixedKey)).toEqual({
      dedupKey: 'samplekeyhere',
      change: {
        alarmKey: 'samplekeyhere', serviceId: 'postgres', severity: 'info', status: 'raised', summary: 'Example alert on host1.example.com', source: 'pagerduty',
        labels: { source: documentedTrigger.payload.source, component: 'postgres', group: 'prod-datapipe', class: 'deploy' },
        occurredAt: '2015-07-17T08:42:58.315Z',
      },
    });
  });

  it('generates a dedup_key for a trigger without one, as PagerDuty does, and defaults the time to when it arrived', () => {
    const { event } = trigger({ event_action: 'trigger', payload: { summary: 'disk full', source: 'db-1', severity: 'error' } });
    const { dedupKey, change } = mapPagerDutyEvent(event, RECEIVED, fixedKey);
    expect(dedupKey).toBe('generated-key');
    expect(change).toMatchObject({ alarmKey: 'generated-key', serviceId: 'db-1', occurredAt: RECEIVED });
  });

  it.each([
    ['critical', 'critical'], ['error', 'major'], ['warning', 'warning'], ['info', 'info'],
  ])('maps PagerDuty severity %s to %s', (severity, expected) => {
    const { event } = trigger({ event_action: 'trigger', payload: { summary: 's', source: 'db-1', severity } });
    expect(mapPagerDutyEvent(event, RECEIVED, fixedKey).change.severity).toBe(expected);
  });

  it('acknowledges the alarm of the dedup_key', () => {
    const { event, problems } = followUp({ routing_key: 'r', dedup_key: 'samplekeyhere', event_action: 'acknowledge' });
    expect(problems).toEqual([]);
    expect(mapPagerDutyEvent(event, RECEIVED, fixedKey)).toMatchObject({ dedupKey: 'samplekeyhere', change: { alarmKey: 'samplekeyhere', status: 'acknowledged', occurredAt: RECEIVED } });
  });

  it('resolves the alarm of the dedup_key, at the payload timestamp when one is sent', () => {
    const { event } = followUp({ dedup_key: 'k', event_action: 'resolve', payload: { timestamp: '2026-11-03T11:00:00Z' } });
    expect(mapPagerDutyEvent(event, RECEIVED, fixedKey).change).toMatchObject({ alarmKey: 'k', status: 'cleared', resolution: 'resolved', occurredAt: '2026-11-03T11:00:00.000Z' });
  });

  describe('refusing invalid events', () => {
    it('names the payload fields a trigger lacks', () => {
      expect(fieldsOf(trigger({ event_action: 'trigger', payload: { severity: 'fatal' } }).problems)).toEqual([
        'payload.severity', 'payload.source', 'payload.summary',
      ]);
      expect(trigger({ event_action: 'trigger' }).problems.map((p) => p.field)).toContain('payload');
    });

    it('requires a dedup_key on acknowledge and resolve', () => {
      expect(fieldsOf(followUp({ event_action: 'resolve' }).problems)).toEqual(['dedup_key']);
    });

    it('refuses a dedup_key over 255 characters and a summary over 1024, as PagerDuty does', () => {
      const body = { ...documentedTrigger, dedup_key: 'k'.repeat(256), payload: { ...documentedTrigger.payload, summary: 's'.repeat(1025) } };
      expect(trigger(body).problems.map((p) => `${p.field} ${p.rule}`).sort()).toEqual(['dedup_key maxLength', 'payload.summary maxLength']);
    });

    it('refuses a timestamp in the future', () => {
      const { event } = trigger({ ...documentedTrigger, payload: { ...documentedTrigger.payload, timestamp: '2026-11-03T13:00:00Z' } });
      expect(pagerDutyProblems(event, NOW)).toEqual([expect.objectContaining({ field: 'payload.timestamp', rule: 'notInFuture' })]);
    });

    it('refuses links and images without their URL', () => {
      expect(trigger({ ...documentedTrigger, links: [{ text: 'x' }], images: [{}] }).problems.map((p) => p.field).sort()).toEqual(
        expect.arrayContaining(['images.0.src', 'links.0.href']),
      );
    });
  });
});
