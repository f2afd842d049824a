import type { INestApplication } from '@nestjs/common';
import type { AnyEvent } from '@vigil/contracts';
import { TimerService } from '@vigil/platform-nest';
import {
  alarmRaised, applyDocument, calculatorHarness, consumingAlarms, eventually, newTenant, passMarker, sleep, startApp, useTestEnvironment,
} from '../../test/sla-test-kit';
import { AvailabilityTimerKind } from '../availability/availability-budget.timer';

useTestEnvironment();

const breaches = (events: AnyEvent[]) => events.filter((e) => e.type === 'sla-breached');
/**
 * 99.98 % of a day: 17.28 s of error budget, long enough for the raise to be handled first on a
 * busy machine. No at-risk fractions and no burn-rate rules, so the only timer is the exhaustion.
 */
const BUDGET_MS = 17_280;
const policySpec = { type: 'availability', services: ['*'], objective: 99.98, window: 'calendar-day', atRisk: { budgetConsumed: [], burnRate: 'none' } };

describe('error-budget timers of several calculator instances and across a restart', () => {
  // The instances are started by the tests themselves.
  const { producer, reader, db } = calculatorHarness({ app: false });
  let apps: INestApplication[] = [];
  let urls: string[] = [];

  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  const pendingBudgetTimers = async (tenant: string) =>
    (await db.query(`select due_at from sla.timers where tenant_id = $1 and kind = $2 and fired_at is null and cancelled_at is null`, [tenant, AvailabilityTimerKind])).rows;

  it('breaches once on restart when the budget ran out while the calculator was down', async () => {
    const tenant = newTenant();
    const first = await startApp();
    apps = [first.app];
    await consumingAlarms(producer, db);
    await applyDocument(first.url, { kind: 'SLAPolicy', metadata: { name: 'availability', tenant }, spec: policySpec });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);
    const [timer] = await eventually(async () => {
      const rows = await pendingBudgetTimers(tenant);
      return rows.length === 1 ? rows : undefined;
    }, BUDGET_MS, 'budget timer armed');
    expect(timer.due_at).toEqual(new Date(raisedAt.getTime() + BUDGET_MS));

    await first.app.close();
    apps = [];
    // Down until well after the budget ran out.
    await sleep(Math.max(0, raisedAt.getTime() + BUDGET_MS - Date.now()) + 1_000);
    expect(breaches(reader.of(tenant))).toEqual([]);

    const second = await startApp();
    apps = [second.app];
    const [breach] = breaches(await reader.waitFor(tenant, (es) => breaches(es).length > 0, 30_000));
    expect(breach).toMatchObject({ causationId: raise.id, data: { effectiveAt: new Date(raisedAt.getTime() + BUDGET_MS).toISOString(), alarm: { alarmKey: 'alarm-1' } } });
    await passMarker({ url: second.url, producer, reader, db }, tenant);
    expect(reader.of(tenant).map((e) => e.type)).toEqual(['sla-breached']);
  });

  describe('with two instances on one schema', () => {
    beforeAll(async () => {
      for (const app of apps) await app.close();
      const started = [await startApp(), await startApp()];
      apps = started.map((s) => s.app);
      urls = started.map((s) => s.url);
    });

    it('fires each timer in one instance only, however many instances poll', async () => {
      const tenant = newTenant();
      // A handler of the test's own on both instances counts who fired what.
      const firings = new Map<string, number>();
      for (const app of apps) {
        app.get(TimerService).on('count-firings', async (timer) => {
          firings.set(timer.id, (firings.get(timer.id) ?? 0) + 1);
          await sleep(5);
        });
      }
      const timers = 60;
      await db.query(
        `insert into sla.timers (tenant_id, kind, subject, due_at) select $1, 'count-firings', 'timer-' || n, now() + interval '300 milliseconds' from generate_series(1, $2) n`,
        [tenant, timers],
      );
      // Both instances poll on their own; two more passes each race them.
      await sleep(300);
      await Promise.all(apps.flatMap((app) => [app.get(TimerService).fireDue(), app.get(TimerService).fireDue()]));
      await eventually(async () => ((await db.query(`select 1 from sla.timers where tenant_id = $1 and fired_at is null`, [tenant])).rowCount === 0 ? true : undefined));
      expect(firings.size).toBe(timers);
      expect([...firings.values()].every((n) => n === 1)).toBe(true);
    });

    it('publishes each budget exhaustion once with two instances running', async () => {
      const tenant = newTenant();
      await applyDocument(urls[0], { kind: 'SLAPolicy', metadata: { name: 'availability', tenant }, spec: policySpec });
      const services = Array.from({ length: 12 }, (_, i) => `service-${i}`);
      await producer.send(...services.map((serviceId) => alarmRaised({ tenantId: tenant, serviceId, alarmKey: `${serviceId}-down`, raisedAt: new Date() })));
      await reader.waitFor(tenant, (es) => breaches(es).length >= services.length, 90_000);
      // One marker per service: each service's events go by a key of their own.
      await Promise.all(services.map((serviceId) => passMarker({ url: urls[0], producer, reader, db }, tenant, { serviceId })));
      expect(breaches(reader.of(tenant)).map((e) => (e.data as { serviceId: string }).serviceId).sort()).toEqual([...services].sort());
    });
  });
});
