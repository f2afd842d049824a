import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily rollups only for days that have ended (docs/adr/0023): `reporting.rollup_marks` says up to
 * when each tenant's ended days have been rolled up, and when the next day ends. Rows the
 * projection wrote for a day still in progress would no longer be kept up to date, so the rows of
 * the last two days are removed: those days are computed from the incidents until the first event
 * after they end rolls them up.
 */
export class ReportingRollupMarks1763710000900 implements MigrationInterface {
  name = 'ReportingRollupMarks1763710000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table reporting.rollup_marks (
      tenant_id text primary key,
      settled_through timestamptz not null,
      next_due timestamptz not null
    )`);
    await q.query(`delete from reporting.daily_rollups where day_start > now() - interval '2 days'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table reporting.rollup_marks`);
  }
}
