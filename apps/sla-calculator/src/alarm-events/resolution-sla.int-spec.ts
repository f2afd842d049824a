import { DateTime } from 'luxon';
import type { AnyEvent } from '@vigil/contracts';
import {
  MarkerPolicy, alarmAcknowledged, alarmCleared, alarmRaised, applyDocument, calculatorHarness, newTenant, passMarker, processed, tenantApplied, useTestEnvironment,
} from '../../test/sla-test-kit';

useTestEnvironment();

const ofType = (events: AnyEvent[], type: AnyEvent['type']) => events.filter((e) => e.type === type);

describe('sla-calculator against the real broker and database', () => {
  const calculator = calculatorHarness();
  const { producer, reader, db } = calculator;

  async function resolutionPolicy(tenant: string, objectives: Record<string, string>, extra: object = {}) {
    return applyDocument(calculator.url, {
      kind: 'SLAPolicy', metadata: { name: 'incident-resolution', tenant },
      spec: { type: 'resolution', services: ['*'], objectives, ...extra },
    });
  }

  // The tests' own clocks, not the markers'.
  const clocksOf = async (tenant: string) => (await db.query('select * from sla.resolution_clocks where tenant_id = $1 and policy <> $2 order by id', [tenant, MarkerPolicy])).rows;
  const outagesOf = async (tenant: string) => (await db.query('select * from sla.outages where tenant_id = $1 order by id', [tenant])).rows;

  it('announces at-risk and then breaches an unresolved critical alarm at its deadline', async () => {
    const tenant = newTenant();
    await expect(resolutionPolicy(tenant, { critical: '2s' })).resolves.toMatchObject({ kind: 'SLAPolicy', result: 'created', tenant });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);

    const events = await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0);
    expect(events.map((e) => e.type)).toEqual(['sla-at-risk', 'sla-breached']);
    const [atRisk, breach] = events;
    const deadline = new Date(raisedAt.getTime() + 2_000).toISOString();
    expect(breach).toMatchObject({
      subject: 'alarm-1',
      causationId: raise.id,
      correlationId: raise.correlationId,
      data: {
        policy: 'incident-resolution', policyType: 'resolution', serviceId: 'checkout-api',
        alarm: { alarmKey: 'alarm-1', serviceId: 'checkout-api', severity: 'critical', summary: 'checkout answers 500' },
        reason: 'critical alarm unresolved after 2s (objective 2s)', deadline, effectiveAt: deadline,
      },
    });
    expect(atRisk).toMatchObject({
      causationId: raise.id,
      data: { reason: 'critical alarm unresolved after 1.5s (75% of objective 2s)', effectiveAt: new Date(raisedAt.getTime() + 1_500).toISOString(), deadline },
    });
    const [clock] = await clocksOf(tenant);
    expect(clock).toMatchObject({ state: 'breached', verdicts: 2, cleared_at: null });
  });

  it('is met and never breaches when the alarm is resolved before its deadline', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '5s' });
    const raisedAt = new Date();
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(raisedAt.getTime() + 1_000) }));

    const [met] = await reader.waitFor(tenant, (es) => ofType(es, 'sla-met').length > 0);
    expect(met).toMatchObject({
      type: 'sla-met',
      data: { reason: 'critical alarm resolved after 1s (objective 5s)', effectiveAt: new Date(raisedAt.getTime() + 1_000).toISOString() },
    });
    const { rows: timers } = await db.query('select kind, fired_at, cancelled_at from sla.timers where tenant_id = $1 order by kind', [tenant]);
    expect(timers).toEqual([
      { kind: 'resolution-at-risk', fired_at: null, cancelled_at: expect.any(Date) },
      { kind: 'resolution-deadline', fired_at: null, cancelled_at: expect.any(Date) },
    ]);
    // The deadline is the instant under test: the marker passes once it is over and the timers due by then have fired.
    await passMarker(calculator, tenant, { after: raisedAt.getTime() + 5_000 });
    expect(ofType(reader.of(tenant), 'sla-breached')).toEqual([]);
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ state: 'met', resolution: 'resolved' })]);
  });

  it('is idempotent if run twice', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    const marker = alarmAcknowledged({ tenantId: tenant, raisedAt });
    await producer.send(raise, raise, marker);
    await processed(db, 'alarm-events', marker.id);

    await expect(clocksOf(tenant)).resolves.toHaveLength(1);
    await expect(outagesOf(tenant)).resolves.toEqual([expect.objectContaining({ raised_event_id: raise.id, ended_at: null })]);
    await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0);
    await passMarker(calculator, tenant);
    expect(reader.of(tenant).map((e) => e.type)).toEqual(['sla-at-risk', 'sla-breached']);
  });

  it('opens no second interval or clock when an active alarm is raised again', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '1h' });
    const raisedAt = new Date();
    const first = alarmRaised({ tenantId: tenant, raisedAt });
    const again = alarmRaised({ tenantId: tenant, raisedAt: new Date(raisedAt.getTime() + 60_000) });
    const clearedAt = new Date(raisedAt.getTime() + 120_000);
    const clear = alarmCleared({ tenantId: tenant, raisedAt, clearedAt });
    await producer.send(first, again, clear);
    await processed(db, 'alarm-events', clear.id);

    const outages = await outagesOf(tenant);
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ raised_event_id: first.id, cleared_event_id: clear.id, cancelled: false });
    expect([outages[0].started_at.toISOString(), outages[0].ended_at.toISOString()]).toEqual([raisedAt.toISOString(), clearedAt.toISOString()]);
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ raised_event_id: first.id, state: 'met' })]);
  });

  it('times an alarm again when it is raised again after its clear, even after its timers fired', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);
    await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length === 1);
    const reRaisedAt = new Date();
    const reRaise = alarmRaised({ tenantId: tenant, raisedAt: reRaisedAt });
    await producer.send(alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(reRaisedAt.getTime() - 1) }), reRaise);

    const events = await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length === 2);
    expect(ofType(events, 'sla-breached').map((e) => [e.causationId, e.data])).toEqual([
      [raise.id, expect.objectContaining({ effectiveAt: new Date(raisedAt.getTime() + 2_000).toISOString() })],
      [reRaise.id, expect.objectContaining({ effectiveAt: new Date(reRaisedAt.getTime() + 2_000).toISOString() })],
    ]);
    await expect(outagesOf(tenant)).resolves.toHaveLength(2);
    await expect(clocksOf(tenant)).resolves.toEqual([
      expect.objectContaining({ raised_event_id: raise.id, state: 'breached', resolution: 'resolved' }),
      expect.objectContaining({ raised_event_id: reRaise.id, state: 'breached', cleared_at: null }),
    ]);
  });

  it('counts a cancelled alarm toward no SLA: the interval is marked cancelled and the clock ends without a verdict', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '1h' });
    const raisedAt = new Date();
    const clear = alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(raisedAt.getTime() + 30_000), resolution: 'cancelled' });
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), clear);
    await processed(db, 'alarm-events', clear.id);

    await expect(outagesOf(tenant)).resolves.toEqual([expect.objectContaining({ cancelled: true, ended_at: new Date(raisedAt.getTime() + 30_000) })]);
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ state: 'cancelled', resolution: 'cancelled', verdicts: 0 })]);
    // `verdicts: 0` is what proves no verdict was written (the outbox is a queue: a
    // published verdict would have left it); nothing of this tenant is on Kafka either.
    expect(reader.of(tenant)).toEqual([]);
  });

  it('breaches exactly once, at the deadline, when the clear arrives after the deadline', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' });
    const raisedAt = new Date(Date.now() - 10_000);
    const clear = alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(raisedAt.getTime() + 9_000) });
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), clear);

    await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0);
    await processed(db, 'alarm-events', clear.id);
    await passMarker(calculator, tenant);
    const breaches = ofType(reader.of(tenant), 'sla-breached');
    expect(breaches).toHaveLength(1);
    expect(breaches[0].data).toMatchObject({ effectiveAt: new Date(raisedAt.getTime() + 2_000).toISOString() });
    expect(ofType(reader.of(tenant), 'sla-met')).toEqual([]);
  });

  it("counts the objective on the named business calendar in the tenant's time zone", async () => {
    const tenant = newTenant();
    const tenantDoc = tenantApplied(tenant, 'Asia/Tokyo');
    await producer.send(tenantDoc);
    await processed(db, 'tenant-zones', tenantDoc.id);
    const raisedAt = new Date();
    const today = DateTime.fromJSDate(raisedAt, { zone: 'Asia/Tokyo' });
    const allDay = ['00:00-24:00'];
    await applyDocument(calculator.url, {
      kind: 'BusinessCalendar', metadata: { name: 'all-week', tenant },
      spec: { workingHours: { monday: allDay, tuesday: allDay, wednesday: allDay, thursday: allDay, friday: allDay, saturday: allDay, sunday: allDay }, holidays: [today.toISODate()] },
    });
    await resolutionPolicy(tenant, { critical: '2s' }, { calendar: 'all-week' });
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);
    await processed(db, 'alarm-events', raise.id);

    const [clock] = await clocksOf(tenant);
    const tomorrow = today.plus({ days: 1 }).startOf('day');
    expect(clock).toMatchObject({ calendar_name: 'all-week', state: 'running', deadline: new Date(tomorrow.toMillis() + 2_000) });
    expect(clock.calendar).toMatchObject({ zone: 'Asia/Tokyo', holidays: [today.toISODate()] });

    const clear = alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(raisedAt.getTime() + 1_000) });
    await producer.send(clear);
    const [met] = await reader.waitFor(tenant, (es) => es.length > 0);
    expect(met.data).toMatchObject({ reason: 'critical alarm resolved after 0s of business time on all-week (objective 2s)' });
  });

  it('keeps the clock running through an acknowledgement', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' });
    const raisedAt = new Date();
    const ack = alarmAcknowledged({ tenantId: tenant, raisedAt });
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), ack);
    await processed(db, 'alarm-events', ack.id);
    await expect(outagesOf(tenant)).resolves.toEqual([expect.objectContaining({ ended_at: null })]);
    await expect(reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0)).resolves.toHaveLength(2);
  });

  it('times the active alarms raised before its policy was applied, from their raise: a deadline already past breaches at once', async () => {
    const tenant = newTenant();
    const longAgo = new Date(Date.now() - 60_000);
    const recently = new Date();
    const overdue = alarmRaised({ tenantId: tenant, alarmKey: 'overdue', raisedAt: longAgo });
    const fresh = alarmRaised({ tenantId: tenant, alarmKey: 'fresh', raisedAt: recently });
    const over = alarmRaised({ tenantId: tenant, alarmKey: 'over', raisedAt: longAgo });
    const major = alarmRaised({ tenantId: tenant, alarmKey: 'major', raisedAt: longAgo, severity: 'major' });
    const overCleared = alarmCleared({ tenantId: tenant, alarmKey: 'over', raisedAt: longAgo, clearedAt: new Date(longAgo.getTime() + 1_000) });
    await producer.send(overdue, fresh, over, major, overCleared);
    await processed(db, 'alarm-events', overCleared.id);
    await expect(clocksOf(tenant)).resolves.toEqual([]);

    await resolutionPolicy(tenant, { critical: '30s' });

    const [breach] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0, 10_000), 'sla-breached');
    const deadline = new Date(longAgo.getTime() + 30_000).toISOString();
    expect(breach).toMatchObject({ subject: 'overdue', data: { policy: 'incident-resolution', deadline, effectiveAt: deadline } });
    const clocks = await clocksOf(tenant);
    expect(clocks.map((c) => [c.alarm_key, c.state, c.raised_at])).toEqual([
      ['overdue', 'breached', longAgo],
      ['fresh', 'running', recently],
    ]);
    // Caused by the applied document, the one thing that made the alarms timed.
    expect(clocks.map((c) => c.raised_event_id)).toEqual([breach.causationId, breach.causationId]);
    const { rows: applied } = await db.query(`select 1 from sla.processed_events where consumer = 'availability-documents' and event_id = $1`, [breach.causationId]);
    expect(applied).toHaveLength(1);

    // Applied again unchanged, nothing is timed twice. Unchanged, it publishes nothing for the documents' consumer to
    // handle; the marker shows that the alarm events and the timers due meanwhile added nothing either.
    await expect(resolutionPolicy(tenant, { critical: '30s' })).resolves.toMatchObject({ result: 'unchanged' });
    await passMarker(calculator, tenant);
    await expect(clocksOf(tenant)).resolves.toHaveLength(2);
    expect(ofType(reader.of(tenant), 'sla-breached')).toHaveLength(1);
  });

  it('does not time alarms outside the policy', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' }, { services: ['search-api'] });
    const raise = alarmRaised({ tenantId: tenant, raisedAt: new Date(), serviceId: 'checkout-api' });
    const minor = alarmRaised({ tenantId: tenant, raisedAt: new Date(), serviceId: 'search-api', alarmKey: 'alarm-2', severity: 'minor' });
    await producer.send(raise, minor);
    await processed(db, 'alarm-events', raise.id);
    await processed(db, 'alarm-events', minor.id);
    await expect(clocksOf(tenant)).resolves.toEqual([]);
    await expect(outagesOf(tenant)).resolves.toHaveLength(2);
  });

  it('rejects a policy that names no objective, naming the field', async () => {
    await expect(resolutionPolicy(newTenant(), {})).rejects.toThrow(/apply answered 400: .*spec\.objectives/);
  });
});
