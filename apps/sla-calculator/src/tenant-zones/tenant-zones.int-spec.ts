import { newEvent } from '@vigil/contracts';
import {
  calculatorHarness, newTenant, processed, tenantApplied, useTestEnvironment,
} from '../../test/sla-test-kit';

useTestEnvironment();

describe('tenant zones projection', () => {
  const calculator = calculatorHarness();
  const { producer, db } = calculator;

  const zoneOf = async (tenant: string) => (await db.query('select timezone, generation from sla.tenants where tenant_id = $1', [tenant])).rows;

  it('is idempotent if run twice', async () => {
    const tenant = newTenant();
    const berlin = tenantApplied(tenant, 'Europe/Berlin', 1);
    const tokyo = tenantApplied(tenant, 'Asia/Tokyo', 2);
    // The first generation delivered again after the second must not undo it.
    await producer.send(berlin, tokyo, berlin);
    await processed(db, 'tenant-zones', tokyo.id);
    // Another kind on the same key lands behind the duplicate: once it is processed, so is the duplicate.
    const marker = newEvent({
      type: 'config-applied', tenantId: tenant, subject: 'EscalationPolicy/paging', occurredAt: new Date().toISOString(),
      data: { kind: 'EscalationPolicy', name: 'paging', generation: 1, spec: {} },
    });
    await producer.send(marker);
    await processed(db, 'tenant-zones', marker.id);

    await expect(zoneOf(tenant)).resolves.toEqual([{ timezone: 'Asia/Tokyo', generation: 2 }]);
    const { rows } = await db.query(`select count(*)::int as n from sla.processed_events where consumer = 'tenant-zones' and event_id = $1`, [berlin.id]);
    expect(rows).toEqual([{ n: 1 }]);
  });
});
