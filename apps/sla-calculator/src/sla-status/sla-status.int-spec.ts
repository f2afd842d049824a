import {
  alarmCleared, alarmRaised, applyDocument, calculatorHarness, newTenant, processed, tokenFor, useTestEnvironment,
} from '../../test/sla-test-kit';
import type { SlaStatusView } from './sla-status.view';

useTestEnvironment();

describe('GET /api/v1/sla/status', () => {
  const calculator = calculatorHarness();
  const { producer, db } = calculator;

  async function get(tenant: string, query = '', scopes: Parameters<typeof tokenFor>[1] = ['reports:read']) {
    const response = await fetch(`${calculator.url}/api/v1/sla/status${query}`, { headers: { authorization: `Bearer ${await tokenFor(tenant, scopes)}` } });
    return { status: response.status, body: (await response.json()) as SlaStatusView & { errors?: unknown[] } };
  }

  it('shows each availability SLA to date with its budget and burn rates, and the running resolution clocks', async () => {
    const tenant = newTenant();
    await applyDocument(calculator.url, {
      kind: 'SLAPolicy', metadata: { name: 'checkout-availability', tenant },
      spec: { type: 'availability', services: ['checkout-api', 'search-api'], objective: 99.9, window: 'calendar-month' },
    });
    await applyDocument(calculator.url, { kind: 'SLAPolicy', metadata: { name: 'incident-resolution', tenant }, spec: { type: 'resolution', services: ['*'], objectives: { critical: '4h' } } });
    const raisedAt = new Date(Date.now() - 10 * 60_000);
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    const earlier = { tenantId: tenant, alarmKey: 'alarm-0', raisedAt: new Date(raisedAt.getTime() - 60_000) };
    const clear = alarmCleared({ ...earlier, clearedAt: new Date(raisedAt.getTime() - 30_000) });
    await producer.send(alarmRaised(earlier), clear, raise);
    await processed(db, 'alarm-events', raise.id);

    const { status, body } = await get(tenant);
    expect(status).toBe(200);
    expect(body.availability.map((a) => a.serviceId)).toEqual(['checkout-api', 'search-api']);
    const [checkout, search] = body.availability;
    expect(checkout).toMatchObject({
      policy: 'checkout-availability', status: 'at-risk', objectivePercentage: 99.9, openOutages: 1,
      window: { kind: 'calendar-month', key: expect.stringMatching(/^\d{4}-\d{2}$/) },
      errorBudget: { totalMinutes: expect.any(Number), usedMinutes: expect.any(Number), leftMinutes: expect.any(Number) },
    });
    // Half a minute earlier, ten minutes and the few ms since the raise now: the open outage counts up to now.
    expect(checkout.downtimeMinutes).toBeGreaterThanOrEqual(10.5);
    expect(checkout.errorBudget.usedMinutes).toBe(checkout.downtimeMinutes);
    expect(checkout.burnRates.map((r) => [r.rule, r.firing])).toEqual([['14.4x-1h-5m', true], ['6x-6h-30m', true], ['3x-1d-2h', true], ['1x-3d-6h', true]]);
    expect(search).toMatchObject({ status: 'ok', compliancePercentage: 100, downtimeMinutes: 0, openOutages: 0, errorBudget: { usedMinutes: 0, consumed: 0 } });
    expect(body.resolution).toEqual([
      expect.objectContaining({ policy: 'incident-resolution', serviceId: 'checkout-api', alarmKey: 'alarm-1', objective: '4h', state: 'running', deadline: new Date(raisedAt.getTime() + 4 * 3_600_000).toISOString() }),
    ]);

    const narrowed = await get(tenant, '?service_id=search-api');
    expect(narrowed.body.availability.map((a) => a.serviceId)).toEqual(['search-api']);
    expect(narrowed.body.resolution).toEqual([]);
  });

  it('projects the compliance of the window in progress to its end where the policy asks for a projection', async () => {
    const tenant = newTenant();
    const policy = (name: string, periodInProgress: string) => applyDocument(calculator.url, {
      kind: 'SLAPolicy', metadata: { name, tenant },
      spec: { type: 'availability', services: ['checkout-api'], objective: 99.9, window: 'calendar-day', periodInProgress },
    });
    await policy('to-date', 'to-date');
    await policy('projected', 'projection');
    // Within today (UTC), so the minute down is in the window the status shows.
    const raisedAt = new Date(Math.max(Date.now() - 10 * 60_000, Date.parse(new Date().toISOString().slice(0, 10))));
    const clear = alarmCleared({ tenantId: tenant, raisedAt, clearedAt: new Date(raisedAt.getTime() + 60_000) });
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }), clear);
    await processed(db, 'alarm-events', clear.id);

    const { body } = await get(tenant);
    const [projected, toDate] = body.availability;
    expect([projected.policy, toDate.policy]).toEqual(['projected', 'to-date']);
    expect(toDate).toMatchObject({ periodInProgress: 'to-date', downtimeMinutes: 1 });
    // One minute down over the whole day: where the day ends if nothing else goes down (1440 minutes in UTC).
    expect(projected).toMatchObject({ periodInProgress: 'projection', downtimeMinutes: 1, compliancePercentage: 99.93 });
    expect(toDate.compliancePercentage).toBeLessThanOrEqual(projected.compliancePercentage);
    expect(projected.errorBudget).toEqual(toDate.errorBudget);
  });

  it('shows another tenant nothing of it', async () => {
    const { status, body } = await get(newTenant());
    expect(status).toBe(200);
    expect(body).toMatchObject({ availability: [], resolution: [] });
  });

  it('names the field and the rule of a bad query', async () => {
    const { status, body } = await get(newTenant(), '?service_id=');
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: 'service_id', rule: 'isNotEmpty' })]);
  });

  it('needs the reports:read scope', async () => {
    expect((await get(newTenant(), '', ['alarms:write'])).status).toBe(403);
  });
});
