import type { AnyEvent, SlaVerdictData } from '@vigil/contracts';
import {
  alarmAcknowledged, alarmClearCorrected, alarmCleared, alarmRaiseCorrected, alarmRaised, alarmSeverityChanged, applyDocument, calculatorHarness, newTenant, passMarker, processed, useTestEnvironment,
} from '../../test/sla-test-kit';

useTestEnvironment();

const ofType = (events: AnyEvent[], type: AnyEvent['type']) => events.filter((e) => e.type === type);
const iso = (ms: number) => new Date(ms).toISOString();
const verdictOf = (event: AnyEvent) => event.data as SlaVerdictData;

/** Severity changes and corrected history (late raises and clears) through the real broker and database. */
describe('sla-calculator on severity changes and corrected history', () => {
  const calculator = calculatorHarness();
  const { producer, reader, db } = calculator;

  const resolutionPolicy = (tenant: string, objectives: Record<string, string>) =>
    applyDocument(calculator.url, { kind: 'SLAPolicy', metadata: { name: 'incident-resolution', tenant }, spec: { type: 'resolution', services: ['*'], objectives } });
  const clocksOf = async (tenant: string) => (await db.query('select * from sla.resolution_clocks where tenant_id = $1 order by id', [tenant])).rows;
  const outagesOf = async (tenant: string) => (await db.query('select * from sla.outages where tenant_id = $1 order by id', [tenant])).rows;
  const severitiesOf = async (tenant: string) =>
    (await db.query('select severity, effective_from, event_id from sla.outage_severities where tenant_id = $1 order by effective_from, rank', [tenant])).rows;

  it('keeps the severity over time of an outage', async () => {
    const tenant = newTenant();
    const raisedAt = new Date('2026-11-03T10:00:00.000Z');
    const raise = alarmRaised({ tenantId: tenant, raisedAt, severity: 'warning' });
    const change = alarmSeverityChanged({ tenantId: tenant, raisedAt, severity: 'critical', previousSeverity: 'warning', changedAt: new Date('2026-11-03T10:20:00.000Z') });
    const clear = alarmCleared({ tenantId: tenant, raisedAt, severity: 'critical', clearedAt: new Date('2026-11-03T11:00:00.000Z') });
    await producer.send(raise, change, clear);
    await processed(db, 'alarm-events', clear.id);

    await expect(severitiesOf(tenant)).resolves.toEqual([
      { severity: 'warning', effective_from: raisedAt, event_id: raise.id },
      { severity: 'critical', effective_from: new Date('2026-11-03T10:20:00.000Z'), event_id: change.id },
    ]);
    await expect(outagesOf(tenant)).resolves.toEqual([expect.objectContaining({ severity: 'critical', started_at: raisedAt, ended_at: new Date('2026-11-03T11:00:00.000Z') })]);
  });

  it('takes the stricter objective of a raised severity, counted from the original raise', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '3s', major: '1h' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt, severity: 'major' });
    const change = alarmSeverityChanged({ tenantId: tenant, raisedAt, severity: 'critical', previousSeverity: 'major', changedAt: new Date(raisedAt.getTime() + 500) });
    await producer.send(raise, change);

    const events = await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0);
    const deadline = iso(raisedAt.getTime() + 3_000);
    expect(events.map((e) => e.type)).toEqual(['sla-at-risk', 'sla-breached']);
    expect(events[1]).toMatchObject({
      causationId: raise.id,
      data: { alarm: { severity: 'critical' }, reason: 'critical alarm unresolved after 3s (objective 3s)', deadline, effectiveAt: deadline },
    });
    const [clock] = await clocksOf(tenant);
    expect(clock).toMatchObject({ severity: 'critical', objective: '3s', state: 'breached', deadline: new Date(deadline) });
    expect(clock.changes).toEqual([expect.objectContaining({ eventId: change.id, change: 'stricter-objective', deadline: { from: iso(raisedAt.getTime() + 3_600_000), to: deadline } })]);
  });

  it('keeps the stricter objective when the severity drops', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s', major: '1h' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise, alarmSeverityChanged({ tenantId: tenant, raisedAt, severity: 'major', previousSeverity: 'critical', changedAt: new Date(raisedAt.getTime() + 100) }));

    const [, breach] = await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0);
    expect(breach.data).toMatchObject({ reason: 'critical alarm unresolved after 2s (objective 2s)', effectiveAt: iso(raisedAt.getTime() + 2_000) });
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ objective: '2s', changes: [] })]);
  });

  it('starts a clock when the alarm changes to a severity with an objective, measured from the original raise: a deadline already past breaches at once', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '5s' });
    const raisedAt = new Date(Date.now() - 60_000);
    const change = alarmSeverityChanged({ tenantId: tenant, raisedAt, severity: 'critical', previousSeverity: 'warning', changedAt: new Date() });
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt, severity: 'warning' }), change);

    const events = await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0, 10_000);
    const deadline = iso(raisedAt.getTime() + 5_000);
    expect(events.map((e) => [e.type, e.causationId, verdictOf(e).effectiveAt])).toEqual([
      ['sla-at-risk', change.id, iso(raisedAt.getTime() + 3_750)],
      ['sla-breached', change.id, deadline],
    ]);
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ severity: 'critical', raised_at: raisedAt, raised_event_id: change.id, state: 'breached' })]);
  });

  it('counts the clock from a corrected, earlier raise: a corrected deadline already past breaches at once, effective at it', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '1h' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    const correctedStart = new Date(raisedAt.getTime() - 2 * 3_600_000);
    const lateRaise = alarmRaiseCorrected({ tenantId: tenant, raisedAt: correctedStart, corrects: raise });
    await producer.send(raise, lateRaise);

    const events = await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0, 10_000);
    const deadline = iso(correctedStart.getTime() + 3_600_000);
    expect(events.map((e) => [e.type, e.causationId, verdictOf(e).effectiveAt, verdictOf(e).deadline])).toEqual([
      ['sla-at-risk', raise.id, iso(correctedStart.getTime() + 2_700_000), deadline],
      ['sla-breached', raise.id, deadline, deadline],
    ]);
    await expect(outagesOf(tenant)).resolves.toEqual([expect.objectContaining({
      started_at: correctedStart, ended_at: null,
      corrections: [{ eventId: lateRaise.id, field: 'started_at', from: raisedAt.toISOString(), to: correctedStart.toISOString() }],
    })]);
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ raised_at: correctedStart, deadline: new Date(deadline), state: 'breached' })]);
  });

  it('moves the timers of a clock whose corrected deadline is still ahead', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '1h' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    const correctedStart = new Date(raisedAt.getTime() - 10 * 60_000);
    const lateRaise = alarmRaiseCorrected({ tenantId: tenant, raisedAt: correctedStart, corrects: raise });
    await producer.send(raise, lateRaise);
    await processed(db, 'alarm-events', lateRaise.id);

    const { rows: timers } = await db.query('select kind, due_at, fired_at, cancelled_at from sla.timers where tenant_id = $1 order by kind', [tenant]);
    expect(timers).toEqual([
      { kind: 'resolution-at-risk', due_at: new Date(correctedStart.getTime() + 2_700_000), fired_at: null, cancelled_at: null },
      { kind: 'resolution-deadline', due_at: new Date(correctedStart.getTime() + 3_600_000), fired_at: null, cancelled_at: null },
    ]);
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ state: 'running', raised_at: correctedStart })]);
  });

  it('restates a published breach at the earlier deadline when a corrected raise arrives after it, correcting the breach', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);
    const [breach] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0), 'sla-breached');
    // The monitor's first raise, 30 s earlier, reaches Vigil only now.
    const correctedStart = new Date(raisedAt.getTime() - 30_000);
    const lateRaise = alarmRaiseCorrected({ tenantId: tenant, raisedAt: correctedStart, corrects: raise });
    await producer.send(lateRaise);

    const breaches = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 1), 'sla-breached');
    const deadline = iso(correctedStart.getTime() + 2_000);
    expect(breaches[1]).toMatchObject({ causationId: lateRaise.id, correlationId: breach.correlationId, subject: 'alarm-1' });
    expect(verdictOf(breaches[1])).toMatchObject({
      corrects: breach.id, deadline, effectiveAt: deadline, reason: 'corrected: the alarm was raised earlier; critical alarm unresolved after 2s (objective 2s)',
    });
    const [clock] = await clocksOf(tenant);
    expect(clock).toMatchObject({ state: 'breached', raised_at: correctedStart, deadline: new Date(deadline), breached_event_id: breaches[1].id, verdicts: 3 });
    expect(clock.changes).toEqual([expect.objectContaining({ eventId: lateRaise.id, change: 'start-corrected', restated: breach.id, restatedBy: breaches[1].id })]);

    // Delivered again, the correction restates nothing twice.
    await producer.send(lateRaise);
    await passMarker(calculator, tenant);
    expect(ofType(reader.of(tenant), 'sla-breached')).toHaveLength(2);
  });

  it('retracts a published breach when a corrected clear shows the alarm was resolved before the deadline', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' });
    const raisedAt = new Date(Date.now() - 10_000);
    const clear = alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(raisedAt.getTime() + 9_000) });
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), clear);
    const [breach] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0), 'sla-breached');
    const correctedEnd = new Date(raisedAt.getTime() + 1_000);
    const lateClear = alarmClearCorrected({ tenantId: tenant, raisedAt, clearedAt: correctedEnd, corrects: clear });
    await producer.send(lateClear);

    const [met] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-met').length > 0), 'sla-met');
    expect(met).toMatchObject({ causationId: lateClear.id, correlationId: breach.correlationId, subject: 'alarm-1' });
    expect(verdictOf(met)).toMatchObject({ corrects: breach.id, effectiveAt: correctedEnd.toISOString(), reason: expect.stringMatching(/^corrected: critical alarm resolved after 1s .*the breach is retracted$/) });
    await expect(outagesOf(tenant)).resolves.toEqual([expect.objectContaining({ ended_at: correctedEnd, corrections: [expect.objectContaining({ eventId: lateClear.id, field: 'ended_at' })] })]);
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ state: 'met', corrected_outcome: null, cleared_at: correctedEnd, breached_event_id: null })]);
    await passMarker(calculator, tenant);
    expect(ofType(reader.of(tenant), 'sla-breached')).toHaveLength(1);
    expect(ofType(reader.of(tenant), 'sla-met')).toHaveLength(1);
  });

  it('retracts the breach its deadline timer published when the clear, stamped before the deadline, arrives after it', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '2s' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);
    const [breach] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0), 'sla-breached');
    // Resolved 1.5 s after the raise; the monitor's clear reached Vigil late.
    await producer.send(alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(raisedAt.getTime() + 1_500) }));
    const [met] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-met').length > 0), 'sla-met');
    expect(met).toMatchObject({ causationId: raise.id });
    expect(verdictOf(met)).toMatchObject({ corrects: breach.id, effectiveAt: new Date(raisedAt.getTime() + 1_500).toISOString() });
    await expect(clocksOf(tenant)).resolves.toEqual([expect.objectContaining({ state: 'met', breached_event_id: null })]);
  });

  it('is idempotent if run twice: a severity change and corrections delivered twice apply once', async () => {
    const tenant = newTenant();
    await resolutionPolicy(tenant, { critical: '1h', major: '2h' });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt, severity: 'major' });
    const change = alarmSeverityChanged({ tenantId: tenant, raisedAt, severity: 'critical', previousSeverity: 'major', changedAt: new Date(raisedAt.getTime() + 1_000) });
    const correctedStart = new Date(raisedAt.getTime() - 60_000);
    const lateRaise = alarmRaiseCorrected({ tenantId: tenant, raisedAt: correctedStart, severity: 'critical', corrects: raise, sequence: 3 });
    const clear = alarmCleared({ tenantId: tenant, raisedAt: correctedStart, severity: 'critical', clearedAt: new Date(raisedAt.getTime() + 5_000) });
    const lateClear = alarmClearCorrected({ tenantId: tenant, raisedAt: correctedStart, severity: 'critical', clearedAt: new Date(raisedAt.getTime() + 2_000), corrects: clear, sequence: 5 });
    const marker = alarmAcknowledged({ tenantId: tenant, raisedAt });
    await producer.send(raise, change, change, lateRaise, lateRaise, clear, lateClear, lateClear, marker);
    await processed(db, 'alarm-events', marker.id);

    await expect(severitiesOf(tenant)).resolves.toEqual([
      expect.objectContaining({ severity: 'critical', event_id: lateRaise.id }),
      expect.objectContaining({ severity: 'major', event_id: raise.id }),
      expect.objectContaining({ severity: 'critical', event_id: change.id }),
    ]);
    const [outage] = await outagesOf(tenant);
    expect(outage).toMatchObject({ started_at: correctedStart, ended_at: new Date(raisedAt.getTime() + 2_000) });
    expect(outage.corrections).toHaveLength(2);
    const [clock] = await clocksOf(tenant);
    expect(clock).toMatchObject({ state: 'met', objective: '1h', raised_at: correctedStart, cleared_at: new Date(raisedAt.getTime() + 2_000), verdicts: 1 });
    expect(clock.changes.map((c: { change: string }) => c.change)).toEqual(['stricter-objective', 'start-corrected', 'end-corrected']);
    const [met] = await reader.waitFor(tenant, (es) => es.length > 0);
    expect(met).toMatchObject({ type: 'sla-met', data: { effectiveAt: iso(raisedAt.getTime() + 5_000) } });
  });
});
