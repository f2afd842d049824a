import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * Severity over time per outage (availability counts an alarm as down only while its
 * severity is a counted one), the alarm's labels on its outage (a severity change carries
 * none, yet a policy may select by them), the corrections of an outage's start and end,
 * and on each resolution clock what changed it after it started and the outcome corrected
 * history implies where it differs from the verdict published.
 */
export function severityHistoryMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class SlaSeverityHistory1763702000300 implements MigrationInterface {
    name = 'SlaSeverityHistory1763702000300';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.outage_severities (
        id bigserial primary key,
        outage_id bigint not null references ${s}.outages (id) on delete cascade,
        tenant_id text not null,
        service_id text not null,
        alarm_key text not null,
        severity text not null,
        effective_from timestamptz not null,
        rank int not null,
        event_id uuid not null,
        -- An event states one severity, except a change that had to open the outage: it states the one before it too (rank 0).
        unique (outage_id, event_id, rank)
      )`);
      await q.query(`create index outage_severities_by_service_and_time on ${s}.outage_severities (tenant_id, service_id, effective_from)`);
      await q.query(`insert into ${s}.outage_severities (outage_id, tenant_id, service_id, alarm_key, severity, effective_from, rank, event_id)
        select id, tenant_id, service_id, alarm_key, severity, started_at, case when raised_event_id is null then 0 else 1 end, coalesce(raised_event_id, cleared_event_id)
        from ${s}.outages where coalesce(raised_event_id, cleared_event_id) is not null`);
      await q.query(`alter table ${s}.outages add column labels jsonb not null default '{}', add column corrections jsonb not null default '[]'`);
      await q.query(`alter table ${s}.resolution_clocks
        add column changes jsonb not null default '[]',
        add column corrected_outcome text check (corrected_outcome in ('met', 'breached'))`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`alter table ${s}.resolution_clocks drop column changes, drop column corrected_outcome`);
      await q.query(`alter table ${s}.outages drop column labels, drop column corrections`);
      await q.query(`drop table ${s}.outage_severities`);
    }
  };
}
