import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * Availability verdicts: one row per (tenant, policy, service, window) holding what has been
 * published for it — the budget fractions crossed, the burn-rate rules firing, the breach and
 * its event — so each crossing publishes exactly once and a correction can name what it
 * corrects. Outages keep their alarm's summary, which availability verdicts list.
 */
export function availabilityWindowsMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class SlaAvailabilityWindows1763702000400 implements MigrationInterface {
    name = 'SlaAvailabilityWindows1763702000400';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`alter table ${s}.outages add column summary text not null default ''`);
      await q.query(`create table ${s}.availability_windows (
        tenant_id text not null,
        policy text not null,
        service_id text not null,
        window_key text not null,
        window_kind text not null check (window_kind in ('calendar-month', 'calendar-day', 'rolling-30d')),
        window_start timestamptz not null,
        window_end timestamptz not null,
        crossed_fractions float8[] not null default '{}',
        firing_rules text[] not null default '{}',
        breached_event_id uuid,
        breached_at timestamptz,
        verdicts int not null default 0,
        corrections jsonb not null default '[]',
        figures jsonb,
        evaluated_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (tenant_id, policy, service_id, window_key)
      )`);
      await q.query(`create index outages_by_service_and_end on ${s}.outages (tenant_id, service_id, ended_at)`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop index ${s}.outages_by_service_and_end`);
      await q.query(`drop table ${s}.availability_windows`);
      await q.query(`alter table ${s}.outages drop column summary`);
    }
  };
}
