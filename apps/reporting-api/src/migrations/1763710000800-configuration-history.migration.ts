import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant zones and availability targets kept as versions, like maintenance windows and credit
 * schedules: one row per generation with the `recordedAt` of the `config-applied` that brought it
 * and of the deletion that ended it, so a report `as_of` a moment answers in the zone and against
 * the objective known then. The rows projected before this migration become each one's first
 * version; when they were recorded is not known, so they are taken as known from the beginning:
 * every answer stays as it was, and a rebuild gives them their real times.
 */
export class ReportingConfigurationHistory1763710000800 implements MigrationInterface {
  name = 'ReportingConfigurationHistory1763710000800';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['tenants', 'availability_targets']) {
      await q.query(`alter table reporting.${table} add column recorded_at timestamptz, add column deleted_at timestamptz`);
      await q.query(`update reporting.${table} set recorded_at = '-infinity'`);
      await q.query(`alter table reporting.${table} alter column recorded_at set not null`);
    }
    await q.query(`alter table reporting.tenants drop constraint tenants_pkey, add primary key (tenant_id, generation)`);
    await q.query(`alter table reporting.availability_targets drop constraint availability_targets_pkey, add primary key (tenant_id, policy, generation)`);
  }

  /** Back to one row each: the latest version, unless it was deleted (the tables removed those). */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from reporting.tenants t
      where t.deleted_at is not null or exists (select 1 from reporting.tenants n where n.tenant_id = t.tenant_id and n.generation > t.generation)`);
    await q.query(`delete from reporting.availability_targets t
      where t.deleted_at is not null
        or exists (select 1 from reporting.availability_targets n where n.tenant_id = t.tenant_id and n.policy = t.policy and n.generation > t.generation)`);
    await q.query(`alter table reporting.availability_targets drop constraint availability_targets_pkey, add primary key (tenant_id, policy)`);
    await q.query(`alter table reporting.tenants drop constraint tenants_pkey, add primary key (tenant_id)`);
    for (const table of ['availability_targets', 'tenants']) {
      await q.query(`alter table reporting.${table} drop column deleted_at, drop column recorded_at`);
    }
  }
}
