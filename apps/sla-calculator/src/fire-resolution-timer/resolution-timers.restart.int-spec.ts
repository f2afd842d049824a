import type { INestApplication } from '@nestjs/common';
import type { Client } from 'pg';
import {
  EventProducer, SlaEventsReader, alarmRaised, applyDocument, connectDatabase, eventually, newTenant, passMarker, startApp, useTestEnvironment,
} from '../../test/sla-test-kit';

useTestEnvironment();

describe('resolution timers across a restart', () => {
  let apps: INestApplication[] = [];
  let producer: EventProducer;
  let reader: SlaEventsReader;
  let db: Client;

  beforeAll(async () => {
    producer = new EventProducer();
    await producer.connect();
    db = await connectDatabase();
  });

  afterAll(async () => {
    await reader?.close();
    await producer?.close();
    await db?.end();
    for (const app of apps) await app.close();
  });

  it('breaches exactly once after the instance that armed the timers is gone', async () => {
    const tenant = newTenant();
    const first = await startApp();
    apps = [first.app];
    await applyDocument(first.url, {
      kind: 'SLAPolicy', metadata: { name: 'incident-resolution', tenant },
      // Long enough that both timers are still pending when the first instance goes, even on a busy machine.
      spec: { type: 'resolution', services: ['*'], objectives: { critical: '20s' } },
    });
    const raisedAt = new Date();
    const raise = alarmRaised({ tenantId: tenant, raisedAt });
    await producer.send(raise);
    await eventually(async () => ((await db.query('select 1 from sla.timers where tenant_id = $1', [tenant])).rowCount === 2 ? true : undefined), 20_000, 'timers armed');

    await first.app.close();
    apps = [];
    const { rows: pending } = await db.query('select kind from sla.timers where tenant_id = $1 and fired_at is null and cancelled_at is null order by kind', [tenant]);
    expect(pending.map((r) => r.kind)).toEqual(['resolution-at-risk', 'resolution-deadline']);

    const second = await startApp();
    apps = [second.app];
    reader = new SlaEventsReader();
    await reader.start();
    const events = await reader.waitFor(tenant, (es) => es.some((e) => e.type === 'sla-breached'), 45_000);
    expect(events.find((e) => e.type === 'sla-breached')).toMatchObject({
      causationId: raise.id,
      data: { effectiveAt: new Date(raisedAt.getTime() + 20_000).toISOString() },
    });
    await passMarker({ url: second.url, producer, reader, db }, tenant);
    expect(reader.of(tenant).map((e) => e.type)).toEqual(['sla-at-risk', 'sla-breached']);
    const { rows: fired } = await db.query('select count(*)::int as n from sla.timers where tenant_id = $1 and fired_at is not null', [tenant]);
    expect(fired).toEqual([{ n: 2 }]);
  });
});
