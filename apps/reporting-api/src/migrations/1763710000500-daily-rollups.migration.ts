import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily rollups (docs/adr/0018): each closed tenant-local day's figures per service and for the
 * whole tenant (scope `*`), kept by the projection in the transaction of the change that restates
 * them. `rule` is the zone and counting rule they were computed under; a report uses a row only
 * while its scope's rule is the same. No backfill: a day without a row is computed from the
 * incidents, as before.
 */
export class ReportingDailyRollups1763710000500 implements MigrationInterface {
  name = 'ReportingDailyRollups1763710000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table reporting.daily_rollups (
      tenant_id text not null,
      scope text not null,
      day_start timestamptz not null,
      date text not null,
      rule text not null,
      compliance_percentage double precision not null,
      uptime_minutes double precision not null,
      downtime_minutes double precision not null,
      primary key (tenant_id, scope, day_start)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table reporting.daily_rollups`);
  }
}
