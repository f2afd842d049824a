import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase, runRetention } from '@vigil/persistence';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { ReportingReadModel1763710000000 } from '../migrations/1763710000000-reporting-read-model.migration';
import { ReportingIncidentSeverities1763710000100 } from '../migrations/1763710000100-incident-severities.migration';
import { ReportingReportHistory1763710000200 } from '../migrations/1763710000200-report-history.migration';
import { ReportingRestatements1763710000300 } from '../migrations/1763710000300-restatements.migration';
import { ReportingIncidentEndIndexes1763710000400 } from '../migrations/1763710000400-incident-end-indexes.migration';
import { ReportingDailyRollups1763710000500 } from '../migrations/1763710000500-daily-rollups.migration';
import { ReportingBreachCorrections1763710000600 } from '../migrations/1763710000600-breach-corrections.migration';
import { ReportingRestatedSpans1763710000700 } from '../migrations/1763710000700-restated-spans.migration';
import { ReportingConfigurationHistory1763710000800 } from '../migrations/1763710000800-configuration-history.migration';
import { ReportingRollupMarks1763710000900 } from '../migrations/1763710000900-rollup-marks.migration';
import { ReportingRestatedSpansAge1764110000000 } from '../migrations/1764110000000-restated-spans-age.migration';
import { readScope, type Query } from '../report-facts/report-facts.reader';
import { restatedSpansRetentionRule } from './restated-spans.retention';

const env = testEnv();
const DAY = 86_400_000;

/** The migrations name their schema, so they run in a database of their own, never the shared one. */
describe('restated spans aged out, against real PostgreSQL', () => {
  const database = `vigil_restated_spans_${randomUUID().slice(0, 8)}`;
  const url = Object.assign(new URL(env.DATABASE_URL), { pathname: `/${database}` }).toString();
  const tenant = uniqueTenant('spans');
  let dataSource: DataSource;
  const query: Query = (sql, parameters) => dataSource.query(sql, parameters);
  const columns = async () =>
    (await dataSource.query(`select column_name from information_schema.columns where table_schema = 'reporting' and table_name = 'restated_spans' order by 1`))
      .map((r: { column_name: string }) => r.column_name);

  beforeAll(async () => {
    dataSource = await openDatabase({
      url, schema: 'reporting', applicationName: 'restated-spans-retention-test',
      migrations: [
        ReportingReadModel1763710000000, ReportingIncidentSeverities1763710000100, ReportingReportHistory1763710000200,
        ReportingRestatements1763710000300, ReportingIncidentEndIndexes1763710000400, ReportingDailyRollups1763710000500,
        ReportingBreachCorrections1763710000600, ReportingRestatedSpans1763710000700, ReportingConfigurationHistory1763710000800,
        ReportingRollupMarks1763710000900, ReportingRestatedSpansAge1764110000000,
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

  it('deletes the spans older than the window; an answer held at a version before them is computed again, one held since is still served', async () => {
    const november = { start: Date.parse('2026-11-01T00:00:00Z'), end: Date.parse('2026-12-01T00:00:00Z') };
    await dataSource.query(`insert into reporting.restatements (tenant_id, version) values ($1, 3)`, [tenant]);
    await dataSource.query(
      `insert into reporting.restated_spans (tenant_id, version, starts_at, ends_at, restated_at) values
         ($1, 1, '2026-10-01', '2026-10-02', now() - interval '40 days'),
         ($1, 2, '2026-10-05', '2026-10-06', now() - interval '35 days'),
         ($1, 3, '2026-10-09', '2026-10-10', now() - interval '1 day')`,
      [tenant],
    );
    const run = await runRetention(dataSource, [restatedSpansRetentionRule(30 * DAY)], { now: new Date(), lockName: 'vigil-retention:reporting' });
    expect(run.outcomes).toEqual([{ rule: 'restated-spans', table: 'reporting.restated_spans', deleted: 2 }]);
    await expect(dataSource.query(`select version::int from reporting.restated_spans where tenant_id = $1`, [tenant])).resolves.toEqual([{ version: 3 }]);

    // None of the three versions touched November, but what versions 1 and 2 touched is no longer known.
    expect((await readScope(query, tenant, undefined, { version: '1', span: november })).untouched).toBe(false);
    expect((await readScope(query, tenant, undefined, { version: '2', span: november })).untouched).toBe(true);
  });

  it('runs its migration down and up again', async () => {
    expect(await columns()).toContain('restated_at');
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await columns()).toEqual(['ends_at', 'starts_at', 'tenant_id', 'version']);
    expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(1);
    expect(await columns()).toContain('restated_at');
  });
});
