import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@vigil/persistence';
import { testEnv } from '@vigil/testing';
import { ReportingReadModel1763710000000 } from './1763710000000-reporting-read-model.migration';
import { ReportingIncidentSeverities1763710000100 } from './1763710000100-incident-severities.migration';
import { ReportingReportHistory1763710000200 } from './1763710000200-report-history.migration';
import { ReportingRestatements1763710000300 } from './1763710000300-restatements.migration';
import { ReportingIncidentEndIndexes1763710000400 } from './1763710000400-incident-end-indexes.migration';
import { ReportingDailyRollups1763710000500 } from './1763710000500-daily-rollups.migration';
import { ReportingBreachCorrections1763710000600 } from './1763710000600-breach-corrections.migration';
import { ReportingRestatedSpans1763710000700 } from './1763710000700-restated-spans.migration';
import { ReportingConfigurationHistory1763710000800 } from './1763710000800-configuration-history.migration';
import { ReportingRollupMarks1763710000900 } from './1763710000900-rollup-marks.migration';

const env = testEnv();

/** The migrations name their schema, so they are exercised in a database of their own, never the shared one. */
describe('reporting read-model migrations', () => {
  const database = `vigil_reporting_migration_${randomUUID().slice(0, 8)}`;
  const url = Object.assign(new URL(env.DATABASE_URL), { pathname: `/${database}` }).toString();
  let dataSource: DataSource;

  const tables = async (): Promise<string[]> =>
    (await dataSource.query(`select table_name from information_schema.tables where table_schema = 'reporting' and table_name <> 'migrations' order by 1`))
      .map((r: { table_name: string }) => r.table_name);

  beforeAll(async () => {
    // The first migration alone, so the second finds incidents recorded before it.
    dataSource = await openDatabase({ url, schema: 'reporting', applicationName: 'reporting-migration-test', migrations: [ReportingReadModel1763710000000] });
    await dataSource.query(
      `insert into reporting.incidents (tenant_id, alarm_key, service_id, severity, started_at, ended_at, raised_event_id)
       values ('acme', 'db-down', 'checkout-api', 'major', '2026-11-03T10:00:00Z', '2026-11-03T11:00:00Z', '0190aaaa-0000-7000-8000-000000000001')`,
    );
    await dataSource.query(`insert into reporting.tenants (tenant_id, timezone, generation) values ('acme', 'Europe/Berlin', 1)`);
    await dataSource.query(`insert into reporting.availability_targets (tenant_id, policy, services, objective, generation)
      values ('acme', 'checkout-availability', '{checkout-api}', 99.9, 2)`);
    await dataSource.destroy();
    dataSource = await openDatabase({
      url, schema: 'reporting', applicationName: 'reporting-migration-test',
      migrations: [
        ReportingReadModel1763710000000, ReportingIncidentSeverities1763710000100, ReportingReportHistory1763710000200,
        ReportingRestatements1763710000300, ReportingIncidentEndIndexes1763710000400, ReportingDailyRollups1763710000500,
        ReportingBreachCorrections1763710000600, ReportingRestatedSpans1763710000700, ReportingConfigurationHistory1763710000800,
        ReportingRollupMarks1763710000900,
      ],
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    const admin = new Client({ connectionString: env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${database}`);
    } finally {
      await admin.end();
    }
  });

  it('gives every incident recorded before the severity history its severity from its start', async () => {
    await expect(dataSource.query(`select severity, effective_from, rank, event_id from reporting.incident_severities`)).resolves.toEqual([
      { severity: 'major', effective_from: new Date('2026-11-03T10:00:00Z'), rank: 1, event_id: '0190aaaa-0000-7000-8000-000000000001' },
    ]);
  });

  it('takes incidents recorded before the recording times were kept as recorded when they happened', async () => {
    await expect(dataSource.query(`select recorded_at, ended_recorded_at from reporting.incidents`)).resolves.toEqual([
      { recorded_at: new Date('2026-11-03T10:00:00Z'), ended_recorded_at: new Date('2026-11-03T11:00:00Z') },
    ]);
  });

  it('takes tenant zones and availability targets projected before their history as first versions known from the beginning', async () => {
    await expect(dataSource.query(
      `select tenant_id, timezone, generation, recorded_at = '-infinity' as from_the_beginning, deleted_at from reporting.tenants`,
    )).resolves.toEqual([{ tenant_id: 'acme', timezone: 'Europe/Berlin', generation: 1, from_the_beginning: true, deleted_at: null }]);
    await expect(dataSource.query(
      `select policy, objective, generation, recorded_at = '-infinity' as from_the_beginning, deleted_at from reporting.availability_targets`,
    )).resolves.toEqual([{ policy: 'checkout-availability', objective: 99.9, generation: 2, from_the_beginning: true, deleted_at: null }]);
  });

  it('drops the rollups of the last two days, which the projection no longer keeps while a day is in progress', async () => {
    await dataSource.undoLastMigration({ transaction: 'each' });
    const row = (dayStart: string) => `('acme', '*', '${dayStart}', 'day', 'rule', 100, 1440, 0)`;
    const old = new Date(Date.now() - 5 * 86_400_000).toISOString();
    await dataSource.query(`insert into reporting.daily_rollups (tenant_id, scope, day_start, date, rule, compliance_percentage, uptime_minutes, downtime_minutes)
      values ${row(old)}, ${row(new Date(Date.now() - 3_600_000).toISOString())}`);
    expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(1);
    await expect(dataSource.query(`select day_start from reporting.daily_rollups`)).resolves.toEqual([{ day_start: new Date(old) }]);
    await expect(dataSource.query(`select count(*)::int as n from reporting.rollup_marks`)).resolves.toEqual([{ n: 0 }]);
    await dataSource.query(`delete from reporting.daily_rollups`);
  });

  it('rolls the configuration history back to the latest version of each, leaving out what was deleted', async () => {
    // The rollup marks came after it.
    await dataSource.undoLastMigration({ transaction: 'each' });
    const primaryKey = async (table: string) => (await dataSource.query(
      `select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = $1::regclass and i.indisprimary order by a.attname`, [`reporting.${table}`],
    )).map((r: { attname: string }) => r.attname);
    expect(await primaryKey('tenants')).toEqual(['generation', 'tenant_id']);
    await dataSource.query(`insert into reporting.tenants (tenant_id, timezone, generation, recorded_at) values ('acme', 'America/New_York', 2, '2026-11-10T00:00:00Z')`);
    await dataSource.query(`insert into reporting.availability_targets (tenant_id, policy, services, objective, generation, recorded_at) values
      ('acme', 'checkout-availability', '{checkout-api}', 99.0, 3, '2026-11-10T00:00:00Z'),
      ('acme', 'retired', '{search}', 99.5, 1, '2026-11-01T00:00:00Z')`);
    await dataSource.query(`update reporting.availability_targets set deleted_at = '2026-11-11T00:00:00Z' where policy = 'retired'`);
    await dataSource.undoLastMigration({ transaction: 'each' });
    await expect(dataSource.query(`select tenant_id, timezone, generation from reporting.tenants`)).resolves.toEqual([
      { tenant_id: 'acme', timezone: 'America/New_York', generation: 2 },
    ]);
    await expect(dataSource.query(`select policy, objective, generation from reporting.availability_targets`)).resolves.toEqual([
      { policy: 'checkout-availability', objective: 99, generation: 3 },
    ]);
    expect(await primaryKey('tenants')).toEqual(['tenant_id']);
    expect(await primaryKey('availability_targets')).toEqual(['policy', 'tenant_id']);
    expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(2);
    expect(await primaryKey('availability_targets')).toEqual(['generation', 'policy', 'tenant_id']);
  });

  it('creates the read model, rolls it back completely and applies again', async () => {
    const created = [
      'availability_targets', 'breach_corrections', 'breaches', 'credit_schedules', 'daily_rollups', 'escalation_timeline', 'incident_severities', 'incidents',
      'maintenance_windows', 'restated_spans', 'restatements', 'rollup_marks', 'tenants',
    ];
    const indexes = async () => (await dataSource.query(`select indexname from pg_indexes where schemaname = 'reporting' and tablename = 'incidents' order by 1`))
      .map((r: { indexname: string }) => r.indexname);
    expect(await tables()).toEqual(created);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const beforeMarks = created.filter((t) => t !== 'rollup_marks');
    expect(await tables()).toEqual(beforeMarks);
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual(beforeMarks);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const beforeSpans = beforeMarks.filter((t) => t !== 'restated_spans');
    expect(await tables()).toEqual(beforeSpans);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const beforeCorrections = beforeSpans.filter((t) => t !== 'breach_corrections');
    expect(await tables()).toEqual(beforeCorrections);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const beforeRollups = beforeCorrections.filter((t) => t !== 'daily_rollups');
    expect(await tables()).toEqual(beforeRollups);
    expect(await indexes()).toEqual(expect.arrayContaining(['incidents_by_end', 'incidents_by_service_end']));
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await indexes()).not.toContain('incidents_by_end');
    await dataSource.undoLastMigration({ transaction: 'each' });
    const beforeRestatements = beforeRollups.filter((t) => t !== 'restatements');
    expect(await tables()).toEqual(beforeRestatements);
    await dataSource.undoLastMigration({ transaction: 'each' });
    const beforeHistory = beforeRestatements.filter((t) => t !== 'credit_schedules' && t !== 'maintenance_windows');
    expect(await tables()).toEqual(beforeHistory);
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual(beforeHistory.filter((t) => t !== 'incident_severities'));
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(10);
    expect(await tables()).toEqual(created);
  });
});
