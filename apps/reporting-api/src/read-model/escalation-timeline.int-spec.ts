import { randomUUID } from 'node:crypto';
import { Topics, eventKey, newEvent, newEventId, type EscalationTriggeredDataV1 } from '@vigil/contracts';
import { eventually, uniqueTenant } from '@vigil/testing';
import { useReportingHarness } from '../testing/reporting-test-kit';

describe('the escalation timeline against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();

  it('projects a version 1 escalation-triggered still on the topic as its version 2, with the alarm of its v1 body, once if run twice', async () => {
    const harness = running();
    const tenant = uniqueTenant();
    const alarm = { alarmKey: 'fp-db-down', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'Primary DB unreachable' };
    const escalationId = randomUUID();
    const reason = { trigger: 'sla-breached' as const, eventId: randomUUID() };
    const page = (level: number) => newEvent({
      type: 'escalation-triggered', tenantId: tenant, subject: escalationId, sequence: level + 2, occurredAt: `2026-11-03T10:0${level}:00.000Z`,
      data: { escalationId, policy: 'critical-paging', level, round: 0, targets: [`level-${level}`], serviceId: alarm.serviceId, alarms: [alarm], reason },
    });
    // Level 0 as the escalation service published it before version 2: one `alarm`.
    const { data: { serviceId: _serviceId, alarms: _alarms, ...unchanged }, ...envelope } = page(0);
    const v1Data: EscalationTriggeredDataV1 = { ...unchanged, alarm };
    const v1 = { ...envelope, id: newEventId(), version: 1, data: v1Data };
    const v2 = page(1);
    const acknowledged = newEvent({
      type: 'escalation-acknowledged', tenantId: tenant, subject: escalationId, sequence: 4, occurredAt: '2026-11-03T10:05:00.000Z',
      data: { escalationId, alarm, acknowledgedBy: 'ada', acknowledgedAt: '2026-11-03T10:05:00.000Z' },
    });

    // One key, one partition: once the acknowledgement is projected, both copies of the v1 page were consumed.
    await harness.produce(Topics.escalationEvents, eventKey(tenant, alarm.serviceId), v1, v1, v2, acknowledged);

    const timeline = () => harness.dataSource.query(
      `select event_id, type, alarm_key, service_id, policy, level, round, targets, actor from reporting.escalation_timeline
       where tenant_id = $1 order by occurred_at`,
      [tenant],
    );
    await eventually('the acknowledgement projected', async () => (await timeline()).some((r: { type: string }) => r.type === 'escalation-acknowledged'));
    const common = { alarm_key: 'fp-db-down', service_id: 'checkout-api' };
    expect(await timeline()).toEqual([
      { event_id: v1.id, type: 'escalation-triggered', ...common, policy: 'critical-paging', level: 0, round: 0, targets: ['level-0'], actor: null },
      { event_id: v2.id, type: 'escalation-triggered', ...common, policy: 'critical-paging', level: 1, round: 0, targets: ['level-1'], actor: null },
      { event_id: acknowledged.id, type: 'escalation-acknowledged', ...common, policy: null, level: null, round: null, targets: null, actor: 'ada' },
    ]);
  });
});
