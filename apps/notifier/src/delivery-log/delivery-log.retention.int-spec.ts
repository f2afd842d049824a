import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, openDatabase, runRetention, timerRetentionMigration, timerRetriesMigration, timersMigration } from '@vigil/persistence';
import { serviceMigrations } from '@vigil/platform-nest';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { deliveryLogMigration, DeliveryLog1763700400000 } from '../migrations/1763700400000-delivery-log.migration';
import { deliveryRetentionMigration, DeliveryRetention1764100400000 } from '../migrations/1764100400000-delivery-retention.migration';
import { acknowledgedAfter, resolvedAfter, triggered } from '../testing/notifier-test-kit';
import type { EscalationEvent } from './delivery';
import { DeliveryLogRepository } from './delivery-log.repository';
import { deliveryLogRetentionRule } from './delivery-log.retention';

const env = testEnv();
const DAY = 86_400_000;

describe('the delivery log aged out, against real PostgreSQL', () => {
  const tenant = uniqueTenant('deliveries');
  const log = new DeliveryLogRepository();
  const rule = deliveryLogRetentionRule('notifier', 30 * DAY);
  let dataSource: DataSource;

  /** Planned as the consumer plans it, then as the worker left it, that many days ago. */
  const delivery = async (event: EscalationEvent, channel: string, outcome: 'delivered' | 'failed' | 'pending', daysAgo: number) => {
    const trigger = event.type === 'escalation-triggered' ? undefined : { policy: 'critical-paging', level: 1, round: 0, reason: { trigger: 'alarm-raised' as const, eventId: randomUUID() } };
    await dataSource.transaction((manager) => log.plan(manager, event, channel, trigger));
    await dataSource.query(
      `update notifier.deliveries set status = $3, created_at = now() - make_interval(days => $4),
         delivered_at = case when $3 = 'delivered' then now() - make_interval(days => $4) end,
         failed_at = case when $3 = 'failed' then now() - make_interval(days => $4) end
       where escalation_event_id = $1 and channel = $2`,
      [event.id, channel, outcome, daysAgo],
    );
  };
  const left = async (): Promise<string[]> =>
    (await dataSource.query(
      `select d.event_type, d.channel, d.status, e.n from notifier.deliveries d join unnest($2::uuid[]) with ordinality e (id, n) on e.id = d.escalation_id
       where d.tenant_id = $1 order by e.n, d.id`,
      [tenant, escalations],
    )).map((r: { event_type: string; channel: string; status: string; n: string }) => `E${r.n} ${r.event_type.replace('escalation-', '')} ${r.channel} ${r.status}`);
  const escalations: string[] = [];

  beforeAll(async () => {
    dataSource = await openDatabase({
      url: env.DATABASE_URL, schema: 'notifier', applicationName: 'deliveries-retention-test',
      migrations: serviceMigrations({
        schema: 'notifier',
        migrations: [timersMigration('notifier'), timerRetriesMigration('notifier'), DeliveryLog1763700400000, timerRetentionMigration('notifier'), DeliveryRetention1764100400000],
      }),
    });
  });

  afterAll(async () => {
    await dataSource.query('delete from notifier.deliveries where tenant_id = $1', [tenant]);
    await dataSource.destroy();
  });

  it('lets delivered notices go after the window, keeps the pages an open escalation still answers for, and never the dead letters or what is on its way', async () => {
    const resolved = triggered(tenant, ['ops-webhook']);
    const open = triggered(tenant, ['ops-webhook']);
    const partlyFailed = triggered(tenant, ['ops-webhook', 'oncall-slack']);
    const recent = triggered(tenant, ['ops-webhook']);
    const onItsWay = triggered(tenant, ['ops-webhook']);
    escalations.push(...[resolved, open, partlyFailed, recent, onItsWay].map((e) => e.data.escalationId));

    await delivery(resolved, 'ops-webhook', 'delivered', 40);
    await delivery(acknowledgedAfter(resolved), 'ops-webhook', 'delivered', 40);
    await delivery(resolvedAfter(resolved), 'ops-webhook', 'delivered', 39);
    await delivery(open, 'ops-webhook', 'delivered', 40);
    await delivery(acknowledgedAfter(open), 'ops-webhook', 'delivered', 40);
    await delivery(partlyFailed, 'ops-webhook', 'delivered', 40);
    await delivery(partlyFailed, 'oncall-slack', 'failed', 40);
    await delivery(resolvedAfter(partlyFailed), 'ops-webhook', 'delivered', 39);
    await delivery(recent, 'ops-webhook', 'delivered', 10);
    await delivery(resolvedAfter(recent), 'ops-webhook', 'delivered', 10);
    await delivery(onItsWay, 'ops-webhook', 'pending', 40);

    const first = await runRetention(dataSource, [rule], { now: new Date(), lockName: 'vigil-retention:notifier' });
    expect(first.outcomes).toEqual([{ rule: 'deliveries', table: 'notifier.deliveries', deleted: 4 }]);
    // A resolved notice outlives the pages of its escalation: it is what lets them go.
    expect(await left()).toEqual([
      'E1 resolved ops-webhook delivered',
      'E2 triggered ops-webhook delivered',
      'E3 triggered oncall-slack failed', 'E3 resolved ops-webhook delivered',
      'E4 triggered ops-webhook delivered', 'E4 resolved ops-webhook delivered',
      'E5 triggered ops-webhook pending',
    ]);
    await runRetention(dataSource, [rule], { now: new Date(), lockName: 'vigil-retention:notifier' });
    expect(await left()).toEqual([
      'E2 triggered ops-webhook delivered',
      'E3 triggered oncall-slack failed', 'E3 resolved ops-webhook delivered',
      'E4 triggered ops-webhook delivered', 'E4 resolved ops-webhook delivered',
      'E5 triggered ops-webhook pending',
    ]);

    await dataSource.transaction(async (manager) => {
      // The open escalation's acknowledgement or resolution still reaches the channel it paged.
      expect([...(await log.notifiedChannels(manager, tenant, open.data.escalationId)).keys()]).toEqual(['ops-webhook']);
      // An event within the window planned again pages nobody twice.
      expect(await log.plan(manager, recent, 'ops-webhook')).toBe(false);
    });
  });

  it('runs its index migration up, down and up again', async () => {
    const schema = `deliveries_${randomUUID().slice(0, 8)}`;
    const scratch = createDataSource({ url: env.DATABASE_URL, schema, applicationName: 'deliveries-migration-test', migrations: [deliveryLogMigration(schema), deliveryRetentionMigration(schema)] });
    await scratch.initialize();
    const indexes = async () => (await scratch.query(`select indexname from pg_indexes where schemaname = $1 order by 1`, [schema])).map((r: { indexname: string }) => r.indexname);
    try {
      expect(await migrate(scratch, schema)).toEqual(['DeliveryLog1763700400000', 'DeliveryRetention1764100400000']);
      expect(await indexes()).toContain('deliveries_delivered');
      await scratch.undoLastMigration({ transaction: 'each' });
      expect(await indexes()).not.toContain('deliveries_delivered');
      expect(await migrate(scratch, schema)).toEqual(['DeliveryRetention1764100400000']);
      expect(await indexes()).toContain('deliveries_delivered');
    } finally {
      await scratch.query(`drop schema if exists ${schema} cascade`);
      await scratch.destroy();
    }
  });
});
