import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * Outage intervals per (tenant, service, alarm) in source time. At most one interval per
 * alarm is open: a second raise of an active alarm cannot open another.
 */
export function outagesMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class SlaOutages1763702000100 implements MigrationInterface {
    name = 'SlaOutages1763702000100';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.outages (
        id bigserial primary key,
        tenant_id text not null,
        service_id text not null,
        alarm_key text not null,
        severity text not null,
        started_at timestamptz not null,
        ended_at timestamptz,
        cancelled boolean not null default false,
        raised_event_id uuid,
        cleared_event_id uuid,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check (ended_at is null or ended_at >= started_at)
      )`);
      await q.query(`create unique index outages_one_open_per_alarm on ${s}.outages (tenant_id, service_id, alarm_key) where ended_at is null`);
      await q.query(`create unique index outages_raised_event on ${s}.outages (tenant_id, raised_event_id)`);
      await q.query(`create index outages_by_service_and_time on ${s}.outages (tenant_id, service_id, started_at)`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.outages`);
    }
  };
}
