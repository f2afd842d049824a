import type { AnyEvent, EventEnvelope, SlaVerdictData } from '@vigil/contracts';
import {
  alarmCleared, alarmRaised, applyDocument, calculatorHarness, newTenant, passMarker, processed, useTestEnvironment,
} from '../../test/sla-test-kit';

useTestEnvironment();

const ofType = (events: AnyEvent[], type: AnyEvent['type']) => events.filter((e) => e.type === type);
const verdict = (event: AnyEvent) => event.data as SlaVerdictData;
/** 99.99 % of a day is 8.64 s of error budget: long enough to watch, short enough to wait for. */
const BUDGET_MS = 8_640;

describe('availability SLAs against the real broker and database', () => {
  const calculator = calculatorHarness();
  const { producer, reader, db } = calculator;

  async function availabilityPolicy(tenant: string, extra: object = {}) {
    return applyDocument(calculator.url, {
      kind: 'SLAPolicy', metadata: { name: 'checkout-availability', tenant },
      spec: { type: 'availability', services: ['checkout-api'], objective: 99.99, window: 'calendar-day', atRisk: { burnRate: 'none' }, ...extra },
    });
  }

  it('announces each budget fraction and breaches while the outage goes on, on its timer', async () => {
    const tenant = newTenant();
    await availabilityPolicy(tenant);
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);

    const events = await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0, 30_000);
    expect(events.map((e) => [e.type, verdict(e).effectiveAt])).toEqual([
      ['sla-at-risk', new Date(raisedAt.getTime() + BUDGET_MS * 0.5).toISOString()],
      ['sla-at-risk', new Date(raisedAt.getTime() + BUDGET_MS * 0.75).toISOString()],
      ['sla-breached', new Date(raisedAt.getTime() + BUDGET_MS).toISOString()],
    ]);
    const breach = events[2] as EventEnvelope<'sla-breached'>;
    expect(breach).toMatchObject({
      subject: expect.stringMatching(/^checkout-availability\/checkout-api\/\d{4}-\d{2}-\d{2}$/), sequence: 3, causationId: raise.id, correlationId: raise.correlationId,
      data: {
        policy: 'checkout-availability', policyType: 'availability', serviceId: 'checkout-api',
        alarm: { alarmKey: 'alarm-1', serviceId: 'checkout-api', severity: 'critical' },
        window: { kind: 'calendar-day' },
        availability: { objectivePercentage: 99.99, errorBudgetMinutes: 0.144, errorBudgetLeftMinutes: 0 },
        alarms: [expect.objectContaining({ alarmKey: 'alarm-1', startedAt: raisedAt.toISOString(), endedAt: null })],
      },
    });
    expect(breach.data.budgetConsumed).toBeGreaterThanOrEqual(1);
    expect(events.slice(0, 2).map((e) => verdict(e).atRiskFraction)).toEqual([0.5, 0.75]);
    // The outage goes on: nothing more is announced for this day.
    await passMarker(calculator, tenant);
    expect(reader.of(tenant)).toHaveLength(3);
  });

  it('retracts the breach when the alarm turns out to be a false positive', async () => {
    const tenant = newTenant();
    await availabilityPolicy(tenant);
    const raisedAt = new Date(Date.now() - 60_000);
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }));
    const [breach] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0), 'sla-breached');
    // One event found every crossing at once: past exhaustion, at-risk would be noise.
    expect(reader.of(tenant).map((e) => e.type)).toEqual(['sla-breached']);

    const cancel = alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(), resolution: 'cancelled' });
    await producer.send(cancel);
    const [met] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-met').length > 0), 'sla-met');
    expect(met).toMatchObject({
      causationId: cancel.id, sequence: 2,
      data: { corrects: breach.id, effectiveAt: verdict(breach).effectiveAt, reason: expect.stringMatching(/^corrected: /), availability: { downtimeMinutes: 0 }, alarms: [] },
    });
    expect(verdict(met).alarm).toBeUndefined();
    const { rows } = await db.query('select breached_event_id, verdicts, corrections from sla.availability_windows where tenant_id = $1', [tenant]);
    expect(rows).toEqual([{ breached_event_id: null, verdicts: 2, corrections: [expect.objectContaining({ eventId: met.id, corrects: breach.id, causedBy: cancel.id })] }]);
  });

  it('retracts a breach when a maintenance window applied afterwards covers the outage', async () => {
    const tenant = newTenant();
    await availabilityPolicy(tenant);
    const raisedAt = new Date(Date.now() - 60_000);
    const clearedAt = new Date(Date.now() - 30_000);
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), alarmCleared({ tenantId: tenant, raisedAt, clearedAt }));
    const [breach] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0), 'sla-breached');

    await applyDocument(calculator.url, {
      kind: 'MaintenanceWindow', metadata: { name: 'db-upgrade', tenant },
      spec: { services: ['checkout-api'], from: new Date(raisedAt.getTime() - 1_000).toISOString(), to: new Date(clearedAt.getTime() + 1_000).toISOString(), reason: 'upgrade' },
    });
    const [met] = ofType(await reader.waitFor(tenant, (es) => ofType(es, 'sla-met').length > 0), 'sla-met');
    expect(met.data).toMatchObject({ corrects: breach.id, availability: { downtimeMinutes: 0 } });
  });

  it('restates the day a maintenance window left when a re-apply moves it to another day', async () => {
    const tenant = newTenant();
    await availabilityPolicy(tenant);
    // An hour-long outage late yesterday (UTC, the zone of a tenant without a document).
    const startOfToday = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z').getTime();
    const raisedAt = new Date(startOfToday - 2 * 3_600_000);
    const clearedAt = new Date(startOfToday - 3_600_000);
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), alarmCleared({ tenantId: tenant, raisedAt, clearedAt }));
    // Today's window breaches too while only the raise is known (the alarm is down until its clear says otherwise): yesterday's is the one followed here.
    const subject = `checkout-availability/checkout-api/${new Date(startOfToday - 86_400_000).toISOString().slice(0, 10)}`;
    const yesterdays = (type: AnyEvent['type'], es: AnyEvent[]) => ofType(es, type).filter((e) => e.subject === subject);
    const [breach] = yesterdays('sla-breached', await reader.waitFor(tenant, (es) => yesterdays('sla-breached', es).length > 0));

    const window = (from: number, to: number) => applyDocument(calculator.url, {
      kind: 'MaintenanceWindow', metadata: { name: 'db-upgrade', tenant },
      spec: { services: ['checkout-api'], from: new Date(from).toISOString(), to: new Date(to).toISOString(), reason: 'upgrade' },
    });
    await window(raisedAt.getTime() - 60_000, clearedAt.getTime() + 60_000);
    const [met] = yesterdays('sla-met', await reader.waitFor(tenant, (es) => yesterdays('sla-met', es).length > 0));
    expect(met.data).toMatchObject({ corrects: breach.id });

    // Moved to tomorrow: yesterday's outage is downtime again, and yesterday breached after all.
    await expect(window(startOfToday + 86_400_000 + 3_600_000, startOfToday + 86_400_000 + 7_200_000)).resolves.toMatchObject({ result: 'updated', generation: 2 });
    const breaches = yesterdays('sla-breached', await reader.waitFor(tenant, (es) => yesterdays('sla-breached', es).length > 1));
    expect(breaches[1].data).toMatchObject({ availability: { downtimeMinutes: 60 } });
    await expect(db.query('select generation, services from sla.maintenance_window_versions where tenant_id = $1 order by generation', [tenant]).then((r) => r.rows))
      .resolves.toEqual([{ generation: 1, services: ['checkout-api'] }, { generation: 2, services: ['checkout-api'] }]);
  });

  it('counts no alarm of a severity the policy does not count', async () => {
    const tenant = newTenant();
    await availabilityPolicy(tenant);
    const minor = alarmRaised({ tenantId: tenant, raisedAt: new Date(Date.now() - 60_000), severity: 'minor' });
    await producer.send(minor);
    await processed(db, 'alarm-events', minor.id);
    const { rows } = await db.query(`select figures->>'downtimeMinutes' as down, verdicts from sla.availability_windows where tenant_id = $1`, [tenant]);
    expect(rows).toEqual([{ down: '0', verdicts: 0 }]);
    expect(reader.of(tenant)).toEqual([]);
  });

  it('is idempotent if run twice', async () => {
    const tenant = newTenant();
    await availabilityPolicy(tenant);
    const raise = alarmRaised({ tenantId: tenant, raisedAt: new Date(Date.now() - 60_000) });
    await producer.send(raise);
    await reader.waitFor(tenant, (es) => ofType(es, 'sla-breached').length > 0);
    // The same event again (a redelivery), and another alarm of the same service down meanwhile.
    const second = alarmRaised({ tenantId: tenant, alarmKey: 'alarm-2', raisedAt: new Date(Date.now() - 30_000) });
    await producer.send(raise, second);
    await processed(db, 'alarm-events', second.id);
    await passMarker(calculator, tenant);
    expect(reader.of(tenant).map((e) => e.type)).toEqual(['sla-breached']);
    const { rows } = await db.query('select verdicts from sla.availability_windows where tenant_id = $1', [tenant]);
    expect(rows).toEqual([{ verdicts: 1 }]);
  });
});
