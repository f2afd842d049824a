import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What monthly reports and `as_of` need: when each statement about an incident was recorded
 * (the envelope's `recordedAt`, so a query can leave out what was not known yet), the policy's
 * maintenance rule and credit schedule, and the maintenance windows and credit schedules as
 * versions, each with when it was recorded and deleted. Rows that exist already are taken as
 * recorded when they happened.
 */
export class ReportingReportHistory1763710000200 implements MigrationInterface {
  name = 'ReportingReportHistory1763710000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table reporting.incidents
      add column recorded_at timestamptz,
      add column ended_recorded_at timestamptz,
      add column acknowledged_recorded_at timestamptz`);
    await q.query(`update reporting.incidents set recorded_at = started_at, ended_recorded_at = ended_at, acknowledged_recorded_at = acknowledged_at`);
    await q.query(`alter table reporting.incidents alter column recorded_at set not null`);
    await q.query(`alter table reporting.incident_severities add column recorded_at timestamptz`);
    await q.query(`update reporting.incident_severities set recorded_at = effective_from`);
    await q.query(`alter table reporting.incident_severities alter column recorded_at set not null`);
    await q.query(`alter table reporting.availability_targets
      add column maintenance_mode text not null default 'exclude' check (maintenance_mode in ('exclude', 'count-as-uptime')),
      add column credit_schedule text`);
    await q.query(`create table reporting.maintenance_windows (
      tenant_id text not null,
      name text not null,
      generation int not null,
      services text[] not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      reason text,
      recorded_at timestamptz not null,
      deleted_at timestamptz,
      primary key (tenant_id, name, generation)
    )`);
    await q.query(`create index maintenance_windows_by_time on reporting.maintenance_windows (tenant_id, starts_at)`);
    await q.query(`create table reporting.credit_schedules (
      tenant_id text not null,
      name text not null,
      generation int not null,
      tiers jsonb not null,
      recorded_at timestamptz not null,
      deleted_at timestamptz,
      primary key (tenant_id, name, generation)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table reporting.credit_schedules`);
    await q.query(`drop table reporting.maintenance_windows`);
    await q.query(`alter table reporting.availability_targets drop column credit_schedule, drop column maintenance_mode`);
    await q.query(`alter table reporting.incident_severities drop column recorded_at`);
    await q.query(`alter table reporting.incidents drop column acknowledged_recorded_at, drop column ended_recorded_at, drop column recorded_at`);
  }
}
