import { randomUUID } from 'node:crypto';
import { createDataSource, migrate } from '@vigil/persistence';
import { testEnv } from '@vigil/testing';
import { deliveryLogMigration } from './1763700400000-delivery-log.migration';

const env = testEnv();

describe('DeliveryLog1763700400000 on real PostgreSQL', () => {
  const schema = `notifier_migration_${randomUUID().slice(0, 8)}`;
  const dataSource = createDataSource({ url: env.DATABASE_URL, schema, applicationName: 'notifier-migration-test', migrations: [deliveryLogMigration(schema)] });

  beforeAll(async () => {
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.query(`drop schema if exists ${schema} cascade`);
    await dataSource.destroy();
  });

  const tables = async () =>
    (await dataSource.query(`select table_name from information_schema.tables where table_schema = $1 and table_name <> 'migrations' order by 1`, [schema]))
      .map((r: { table_name: string }) => r.table_name);

  it('creates the delivery log, unique per escalation event and channel, and its down removes it', async () => {
    expect(await migrate(dataSource, schema)).toEqual(['DeliveryLog1763700400000']);
    expect(await tables()).toEqual(['deliveries']);
    const row = [randomUUID(), randomUUID()];
    const insert = `insert into ${schema}.deliveries (tenant_id, escalation_event_id, escalation_id, event_type, channel, event)
                    values ('t', $1, $2, 'escalation-triggered', 'ops-webhook', '{}') on conflict do nothing returning id`;
    expect(await dataSource.query(insert, row)).toHaveLength(1);
    expect(await dataSource.query(insert, row)).toHaveLength(0);

    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);

    expect(await migrate(dataSource, schema)).toEqual(['DeliveryLog1763700400000']);
    expect(await tables()).toEqual(['deliveries']);
  });
});
