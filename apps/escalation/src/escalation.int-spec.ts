import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  ConfigApplyRoute, Topics, eventKey, newEvent, pagedAlarm, topicOf,
  type AlarmRef, type EscalationPolicySpec, type EscalationTriggeredData, type EventEnvelope, type EventType,
} from '@vigil/contracts';
import { issueToken, type Scope } from '@vigil/auth';
import { EventCollector } from '@vigil/messaging/testing';
import { startTestApp } from '@vigil/platform-nest/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from './app.module';
import type { EscalationView } from './escalations/escalation.view';

const env = testEnv();
// Level delays in these tests are a few seconds; poll the timers often.
process.env.TIMER_POLL_MS = '100';

type Envelope = EventEnvelope & { data: Record<string, unknown> };
/** The bodies these routes answer with, loosely: an escalation, a list, an apply result or a 4xx. */
type ResponseBody = Partial<EscalationView> & { escalations?: EscalationView[]; result?: string; errors?: Array<{ field: string; rule: string }> };

describe('escalation against real Kafka and PostgreSQL', () => {
  let app: NestExpressApplication;
  let base: string;
  let dataSource: DataSource;
  let producer: Producer;
  let collector: EventCollector;

  beforeAll(async () => {
    ({ app, url: base, dataSource } = await startTestApp(AppModule));
    producer = new Kafka({ clientId: 'escalation-int-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.escalationEvents]);
  });

  afterAll(async () => {
    await collector?.stop();
    await producer?.disconnect();
    await app?.close();
    // The platform closes its pool on shutdown; make sure, or idle connections keep jest waiting.
    if (dataSource?.isInitialized) await dataSource.destroy();
  });

  // ---- helpers -------------------------------------------------------------------------

  const token = (tenantId: string, scopes: Scope[] = ['escalations:write'], subject?: string) =>
    issueToken({ tenantId, scopes, subject, home: env.VIGIL_HOME });

  async function http(method: string, path: string, bearer?: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ResponseBody };
  }

  async function applyPolicy(tenant: string, name: string, spec: EscalationPolicySpec): Promise<void> {
    const doc = { apiVersion: 'vigil/v1', kind: 'EscalationPolicy', metadata: { name, tenant }, spec };
    const { status, body } = await http('POST', ConfigApplyRoute, await token(tenant, ['admin']), doc);
    expect({ status, result: body.result }).toEqual({ status: 200, result: 'created' });
  }

  const alarmOf = (alarmKey: string, severity: AlarmRef['severity'] = 'critical'): AlarmRef =>
    ({ alarmKey, serviceId: 'checkout-api', severity, summary: `${alarmKey} is failing` });

  function raised(tenantId: string, alarm: AlarmRef, labels: Record<string, string> = {}) {
    return newEvent({
      type: 'alarm-raised', tenantId, subject: alarm.alarmKey, sequence: 1, occurredAt: new Date().toISOString(),
      data: { ...alarm, source: 'prometheus', labels, raisedAt: new Date().toISOString() },
    });
  }

  function verdict(type: 'sla-at-risk' | 'sla-breached', tenantId: string, alarm: AlarmRef) {
    return newEvent({
      type, tenantId, subject: alarm.alarmKey, sequence: 0, occurredAt: new Date().toISOString(),
      data: {
        policy: 'incident-resolution', policyType: 'resolution', serviceId: alarm.serviceId, alarm,
        reason: type === 'sla-breached' ? 'resolution deadline passed' : '75% of the resolution time used',
        deadline: new Date().toISOString(), effectiveAt: new Date().toISOString(),
      },
    });
  }

  function cleared(tenantId: string, alarm: AlarmRef, clearedAt = new Date()) {
    return newEvent({
      type: 'alarm-cleared', tenantId, subject: alarm.alarmKey, sequence: 2, occurredAt: clearedAt.toISOString(),
      data: { ...alarm, resolution: 'resolved', raisedAt: new Date(clearedAt.getTime() - 60_000).toISOString(), clearedAt: clearedAt.toISOString() },
    });
  }

  function severityChanged(tenantId: string, alarm: AlarmRef, previousSeverity: AlarmRef['severity'], sequence: number) {
    const now = new Date().toISOString();
    return newEvent({
      type: 'alarm-severity-changed', tenantId, subject: alarm.alarmKey, sequence, occurredAt: now,
      data: { ...alarm, previousSeverity, changedAt: now, raisedAt: new Date(Date.now() - 60_000).toISOString() },
    });
  }

  function acknowledgedAlarm(tenantId: string, alarm: AlarmRef, acknowledgedBy?: string) {
    return newEvent({
      type: 'alarm-acknowledged', tenantId, subject: alarm.alarmKey, sequence: 2, occurredAt: new Date().toISOString(),
      data: { ...alarm, acknowledgedAt: new Date().toISOString(), ...(acknowledgedBy ? { acknowledgedBy } : {}) },
    });
  }

  async function produce(...events: Array<EventEnvelope<EventType>>): Promise<void> {
    for (const event of events) {
      const serviceId = (event.data as { serviceId: string }).serviceId;
      await producer.send({
        topic: topicOf(event.type),
        messages: [{ key: eventKey(event.tenantId, serviceId), value: JSON.stringify(event), headers: { 'event-type': event.type } }],
      });
    }
  }

  const pages = (tenant: string, alarmKey?: string) =>
    (collector.events(tenant, 'escalation-triggered') as unknown as Envelope[])
      .filter((e) => !alarmKey || pagedAlarm(e.data as unknown as EscalationTriggeredData).alarmKey === alarmKey);

  const waitForPage = (tenant: string, alarmKey: string, round: number, level: number) =>
    eventually(`page of ${alarmKey} round ${round} level ${level}`, async () =>
      pages(tenant, alarmKey).find((e) => e.data.round === round && e.data.level === level), 20_000);

  async function escalations(tenant: string, query = ''): Promise<EscalationView[]> {
    const { status, body } = await http('GET', `/api/v1/escalations${query}`, await token(tenant));
    expect(status).toBe(200);
    return body.escalations!;
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  // ---- tests ---------------------------------------------------------------------------

  it('pages level 0 when an SLA breach of a critical alarm arrives, and level 1 after its delay', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'critical-paging', {
      on: ['sla-breached'],
      match: { severities: ['critical'], services: ['*'] },
      levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '2s', notify: ['oncall-slack'] }],
    });
    const alarm = alarmOf('db-down');
    const breach = verdict('sla-breached', tenant, alarm);
    await produce(breach);

    const level0 = await waitForPage(tenant, 'db-down', 0, 0);
    expect(level0.data).toEqual({
      escalationId: level0.subject, policy: 'critical-paging', level: 0, round: 0, targets: ['ops-webhook'], serviceId: 'checkout-api', alarms: [alarm],
      reason: { trigger: 'sla-breached', eventId: breach.id, policy: 'critical-paging', detail: 'resolution deadline passed' },
    });
    expect(level0).toMatchObject({ causationId: breach.id, correlationId: breach.correlationId, sequence: 2 });
    expect(collector.messages.find((m) => (m.value as Envelope).id === level0.id)!.key).toBe(`${tenant}/checkout-api`);

    const level1 = await waitForPage(tenant, 'db-down', 0, 1);
    expect(level1.data).toMatchObject({ escalationId: level0.subject, level: 1, round: 0, targets: ['oncall-slack'] });
    const [escalation] = await escalations(tenant);
    expect(Date.parse(level1.occurredAt)).toBeGreaterThanOrEqual(Date.parse(escalation.openedAt) + 2_000);
    expect(escalation).toMatchObject({ id: level0.subject, state: 'open', urgency: 'sla-breached', lastLevel: { round: 0, level: 1 }, nextLevel: null });
    expect(escalation.timeline.map((t) => [t.type, t.level])).toEqual([['opened', undefined], ['level-triggered', 0], ['level-triggered', 1]]);
  });

  it('does not escalate after acknowledgement', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'paging', {
      on: ['alarm-raised'],
      levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '3s', notify: ['oncall-slack'] }],
    });
    await produce(raised(tenant, alarmOf('api-5xx')));
    const level0 = await waitForPage(tenant, 'api-5xx', 0, 0);
    const id = level0.subject;

    const alice = await token(tenant, ['escalations:write'], 'alice@acme.example');
    const first = await http('POST', `/api/v1/escalations/${id}/acknowledge`, alice);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id, state: 'acknowledged', acknowledgedBy: 'alice@acme.example', nextLevel: null });
    const acknowledged = await eventually('escalation-acknowledged', async () =>
      (collector.events(tenant, 'escalation-acknowledged') as unknown as Envelope[]).find((e) => e.subject === id));
    expect(acknowledged.data).toMatchObject({ escalationId: id, acknowledgedBy: 'alice@acme.example', acknowledgedAt: first.body.acknowledgedAt });

    const again = await http('POST', `/api/v1/escalations/${id}/acknowledge`, await token(tenant, ['escalations:write'], 'bob@acme.example'));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'alice@acme.example', acknowledgedAt: first.body.acknowledgedAt });

    const [timer] = await dataSource.query(`select fired_at, cancelled_at from escalation.timers where tenant_id = $1 and subject = $2`, [tenant, `${id}/0/1`]);
    expect(timer).toMatchObject({ fired_at: null, cancelled_at: expect.any(Date) });
    await sleep(Math.max(0, Date.parse(first.body.openedAt!) + 3_000 + 1_000 - Date.now()));
    expect(pages(tenant, 'api-5xx').map((e) => e.data.level)).toEqual([0]);
    expect(collector.events(tenant, 'escalation-acknowledged')).toHaveLength(1);
    const [view] = await escalations(tenant, '?state=acknowledged');
    expect(view.timeline.map((t) => t.type)).toEqual(['opened', 'level-triggered', 'acknowledged']);
    expect(view.timeline[2]).toMatchObject({ by: 'alice@acme.example', via: 'http', at: first.body.acknowledgedAt });
  });

  it('repeats the levels for `repeat` more rounds, each starting twice the last delay after the one before, then stops', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'repeating', {
      on: ['alarm-raised'],
      levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '1s', notify: ['oncall-slack'] }],
      repeat: 1,
    });
    await produce(raised(tenant, alarmOf('flapping-api')));

    const last = await waitForPage(tenant, 'flapping-api', 1, 1);
    const [escalation] = await escalations(tenant);
    expect(pages(tenant, 'flapping-api').map((e) => [e.data.round, e.data.level, e.data.targets])).toEqual([
      [0, 0, ['ops-webhook']], [0, 1, ['oncall-slack']], [1, 0, ['ops-webhook']], [1, 1, ['oncall-slack']],
    ]);
    const round1 = pages(tenant, 'flapping-api').find((e) => e.data.round === 1 && e.data.level === 0)!;
    expect(Date.parse(round1.occurredAt)).toBeGreaterThanOrEqual(Date.parse(escalation.openedAt) + 2_000);
    expect(escalation).toMatchObject({ state: 'open', lastLevel: { round: 1, level: 1 }, nextLevel: null });
    expect(last.data.escalationId).toBe(escalation.id);
    const pending = await dataSource.query(
      `select count(*)::int as n from escalation.timers where tenant_id = $1 and fired_at is null and cancelled_at is null`, [tenant]);
    expect(pending).toEqual([{ n: 0 }]);
  });

  it('pages level 0 once when an at-risk alarm then breaches, recording the raised urgency', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'sla-paging', {
      on: ['sla-at-risk', 'sla-breached'],
      levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '10m', notify: ['oncall-slack'] }],
    });
    const alarm = alarmOf('slow-checkout');
    await produce(verdict('sla-at-risk', tenant, alarm));
    await waitForPage(tenant, 'slow-checkout', 0, 0);
    const breach = verdict('sla-breached', tenant, alarm);
    await produce(breach);

    const escalation = await eventually('urgency raised to sla-breached', async () =>
      (await escalations(tenant)).find((e) => e.urgency === 'sla-breached'));
    expect(escalation.timeline.map((t) => t.type)).toEqual(['opened', 'level-triggered', 'urgency-raised']);
    expect(escalation.timeline[2]).toMatchObject({ from: 'sla-at-risk', to: 'sla-breached', eventId: breach.id });
    expect(escalation.nextLevel).toMatchObject({ round: 0, level: 1 });
    // A marker verdict on the same service pages after anything the breach could have paged.
    await produce(verdict('sla-at-risk', tenant, alarmOf('marker')));
    await waitForPage(tenant, 'marker', 0, 0);
    expect(pages(tenant, 'slow-checkout')).toHaveLength(1);
    expect((await escalations(tenant)).filter((e) => e.alarm.alarmKey !== 'marker')).toHaveLength(1);
  });

  it('is idempotent if run twice: the same trigger event delivered twice opens one escalation', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'paging', { on: ['alarm-raised'], levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '10m', notify: ['oncall-slack'] }] });
    const event = raised(tenant, alarmOf('disk-full'));
    // The same service's events share a partition: once the marker alarm has opened, both copies were consumed.
    await produce(event, event, raised(tenant, alarmOf('marker')));
    await waitForPage(tenant, 'marker', 0, 0);
    await waitForPage(tenant, 'disk-full', 0, 0);

    const rows = await dataSource.query(
      `select e.id, (select count(*)::int from escalation.escalation_timeline t where t.escalation_id = e.id) as facts
       from escalation.escalations e where tenant_id = $1 and alarm_key = 'disk-full'`, [tenant]);
    expect(rows).toEqual([{ id: expect.any(String), facts: 2 }]);
    expect(pages(tenant, 'disk-full')).toHaveLength(1);
  });

  it('resolves the escalation when the alarm clears, and refuses to acknowledge it afterwards', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'paging', { on: ['alarm-raised'], levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '10m', notify: ['oncall-slack'] }] });
    const alarm = alarmOf('queue-stuck');
    await produce(raised(tenant, alarm));
    const { subject: id } = await waitForPage(tenant, 'queue-stuck', 0, 0);
    const clear = cleared(tenant, alarm);
    await produce(clear);

    const resolved = await eventually('escalation-resolved', async () =>
      (collector.events(tenant, 'escalation-resolved') as unknown as Envelope[]).find((e) => e.subject === id));
    expect(resolved).toMatchObject({ causationId: clear.id, data: { escalationId: id, alarm, resolvedAt: clear.data.clearedAt } });
    const [view] = await escalations(tenant, '?state=resolved');
    expect(view).toMatchObject({ id, state: 'resolved', resolvedAt: clear.data.clearedAt, nextLevel: null });
    expect(view.timeline.at(-1)).toMatchObject({ type: 'resolved', resolution: 'resolved', eventId: clear.id });
    expect(await escalations(tenant, '?state=open')).toEqual([]);
    const [timer] = await dataSource.query(`select cancelled_at from escalation.timers where tenant_id = $1 and subject = $2`, [tenant, `${id}/0/1`]);
    expect(timer.cancelled_at).toEqual(expect.any(Date));

    const late = await http('POST', `/api/v1/escalations/${id}/acknowledge`, await token(tenant));
    expect(late.status).toBe(409);
  });

  it('acknowledges on a PagerDuty-style alarm acknowledge, as pagerduty when nobody is named', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'paging', { on: ['alarm-raised'], levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '10m', notify: ['oncall-slack'] }] });
    const alarm = alarmOf('cache-miss-storm');
    await produce(raised(tenant, alarm));
    const { subject: id } = await waitForPage(tenant, 'cache-miss-storm', 0, 0);
    const ack = acknowledgedAlarm(tenant, alarm);
    await produce(ack);

    const acknowledged = await eventually('escalation-acknowledged', async () =>
      (collector.events(tenant, 'escalation-acknowledged') as unknown as Envelope[]).find((e) => e.subject === id));
    expect(acknowledged).toMatchObject({ causationId: ack.id, data: { acknowledgedBy: 'pagerduty', acknowledgedAt: ack.data.acknowledgedAt } });
    expect((await escalations(tenant, '?state=acknowledged'))[0]).toMatchObject({ id, acknowledgedBy: 'pagerduty' });
  });

  it('matches an SLA event on the labels of the alarm it was raised with', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'payments-breach', {
      on: ['sla-breached'],
      match: { labels: { team: 'payments' } },
      levels: [{ after: '0s', notify: ['payments-oncall'] }],
    });
    const payments = alarmOf('payments-alarm');
    const search = alarmOf('search-alarm');
    await produce(raised(tenant, payments, { team: 'payments' }), raised(tenant, search, { team: 'search' }));
    await eventually('both alarms known', async () =>
      (await dataSource.query(`select count(*)::int as n from escalation.alarms where tenant_id = $1`, [tenant]))[0].n === 2);
    await produce(verdict('sla-breached', tenant, search), verdict('sla-breached', tenant, payments));

    await waitForPage(tenant, 'payments-alarm', 0, 0);
    expect(pages(tenant, 'payments-alarm')[0].data.targets).toEqual(['payments-oncall']);
    expect(pages(tenant, 'search-alarm')).toEqual([]);
    expect((await escalations(tenant)).map((e) => e.alarm.alarmKey)).toEqual(['payments-alarm']);
  });

  it('opens an escalation when an alarm changes to a severity a raise policy matches, and keeps it open when it drops again', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'critical-paging', {
      on: ['alarm-raised'], match: { severities: ['critical'] }, levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '10m', notify: ['oncall-slack'] }],
    });
    const warning = alarmOf('latency', 'warning');
    const critical = { ...warning, severity: 'critical' as const };
    const upgrade = severityChanged(tenant, critical, 'warning', 2);
    await produce(raised(tenant, warning), upgrade);

    const level0 = await waitForPage(tenant, 'latency', 0, 0);
    expect(level0).toMatchObject({
      causationId: upgrade.id, correlationId: upgrade.correlationId,
      data: {
        policy: 'critical-paging', serviceId: 'checkout-api', alarms: [critical],
        reason: { trigger: 'alarm-raised', eventId: upgrade.id, policy: 'critical-paging', detail: 'severity warning → critical: latency is failing' },
      },
    });
    // Down to warning (no policy matches it) and up again: still the one open escalation, paged once.
    const downgrade = severityChanged(tenant, warning, 'critical', 3);
    const upAgain = severityChanged(tenant, critical, 'warning', 4);
    await produce(downgrade, upAgain, raised(tenant, alarmOf('marker')));
    await waitForPage(tenant, 'marker', 0, 0);
    const [escalation] = (await escalations(tenant)).filter((e) => e.alarm.alarmKey === 'latency');
    expect(escalation).toMatchObject({ id: level0.subject, state: 'open', nextLevel: { round: 0, level: 1 } });
    expect(pages(tenant, 'latency')).toHaveLength(1);
    expect(await escalations(tenant, '?state=resolved')).toEqual([]);
  });

  it('is idempotent if run twice: a severity change delivered twice opens one escalation', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'critical-paging', { on: ['alarm-raised'], match: { severities: ['critical'] }, levels: [{ after: '0s', notify: ['ops-webhook'] }] });
    const alarm = alarmOf('queue-depth', 'major');
    const upgrade = severityChanged(tenant, { ...alarm, severity: 'critical' }, 'major', 2);
    await produce(raised(tenant, alarm), upgrade, upgrade, raised(tenant, alarmOf('marker')));
    await waitForPage(tenant, 'marker', 0, 0);

    const rows = await dataSource.query(`select id from escalation.escalations where tenant_id = $1 and alarm_key = 'queue-depth'`, [tenant]);
    expect(rows).toHaveLength(1);
    expect(pages(tenant, 'queue-depth')).toHaveLength(1);
  });

  it('never pages for a correction of history: a late raise or a late clear', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'paging', { on: ['alarm-raised'], levels: [{ after: '0s', notify: ['ops-webhook'] }] });
    // A corrected raise of an alarm this service has not paged for (its raise predates the policy, say).
    const base = raised(tenant, alarmOf('disk-io'));
    const lateRaise = newEvent({
      type: 'alarm-raised', tenantId: tenant, subject: 'disk-io', sequence: 2, occurredAt: new Date(Date.now() - 600_000).toISOString(),
      data: { ...base.data, raisedAt: new Date(Date.now() - 600_000).toISOString(), corrects: base.id },
    });
    // A raised, paged and cleared alarm whose clear is then corrected to an earlier end.
    const alarm = alarmOf('api-errors');
    const clear = cleared(tenant, alarm);
    const lateClear = newEvent({
      type: 'alarm-cleared', tenantId: tenant, subject: 'api-errors', sequence: 3, occurredAt: new Date(Date.parse(clear.data.clearedAt) - 30_000).toISOString(),
      data: { ...clear.data, clearedAt: new Date(Date.parse(clear.data.clearedAt) - 30_000).toISOString(), corrects: clear.id },
    });
    await produce(lateRaise, raised(tenant, alarm));
    const { subject: id } = await waitForPage(tenant, 'api-errors', 0, 0);
    await produce(clear, lateClear, raised(tenant, alarmOf('marker')));
    await waitForPage(tenant, 'marker', 0, 0);

    expect(pages(tenant, 'disk-io')).toEqual([]);
    expect(pages(tenant, 'api-errors')).toHaveLength(1);
    const resolved = (collector.events(tenant, 'escalation-resolved') as unknown as Envelope[]).filter((e) => e.subject === id);
    expect(resolved).toEqual([expect.objectContaining({ causationId: clear.id })]);
    expect((await escalations(tenant)).map((e) => e.alarm.alarmKey).sort()).toEqual(['api-errors', 'marker']);
  });

  it('fires a level that falls due while the service is down once it is back, and only once', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'paging', { on: ['alarm-raised'], levels: [{ after: '0s', notify: ['ops-webhook'] }, { after: '2s', notify: ['oncall-slack'] }] });
    await produce(raised(tenant, alarmOf('db-failover')));
    const { subject: id } = await waitForPage(tenant, 'db-failover', 0, 0);

    await app.close();
    await sleep(2_500);
    ({ app, url: base, dataSource } = await startTestApp(AppModule));

    await waitForPage(tenant, 'db-failover', 0, 1);
    const [timer] = await dataSource.query(`select fired_at from escalation.timers where tenant_id = $1 and subject = $2`, [tenant, `${id}/0/1`]);
    expect(timer.fired_at).toEqual(expect.any(Date));
    expect(pages(tenant, 'db-failover').map((e) => e.data.level)).toEqual([0, 1]);
  });

  it('answers 404 for an unknown id or another tenant escalation, and 400 naming an unknown state', async () => {
    const tenant = uniqueTenant();
    await applyPolicy(tenant, 'paging', { on: ['alarm-raised'], levels: [{ after: '0s', notify: ['ops-webhook'] }] });
    await produce(raised(tenant, alarmOf('mine')));
    const { subject: id } = await waitForPage(tenant, 'mine', 0, 0);

    const stranger = await token(uniqueTenant());
    expect((await http('POST', `/api/v1/escalations/${id}/acknowledge`, stranger)).status).toBe(404);
    expect((await http('POST', `/api/v1/escalations/0190aaaa-0000-7000-8000-000000000000/acknowledge`, await token(tenant))).status).toBe(404);
    expect((await http('POST', `/api/v1/escalations/not-an-id/acknowledge`, await token(tenant))).status).toBe(404);
    expect((await escalations(tenant, '?state=open'))[0]).toMatchObject({ id, state: 'open' });

    const bad = await http('GET', '/api/v1/escalations?state=closed', await token(tenant));
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'state', rule: 'isIn' })]);
    expect((await http('GET', '/api/v1/escalations')).status).toBe(401);
    expect((await http('GET', '/api/v1/escalations', await token(tenant, ['reports:read']))).status).toBe(403);
  });
});
