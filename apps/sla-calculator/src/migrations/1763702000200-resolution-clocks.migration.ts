import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * One resolution clock per (tenant, policy, alarm, raise): its deadline and at-risk instant
 * on the business calendar it was started with (kept, so the verdict is auditable), its
 * state, and the raise it came from (the cause of every verdict it emits).
 */
export function resolutionClocksMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class SlaResolutionClocks1763702000200 implements MigrationInterface {
    name = 'SlaResolutionClocks1763702000200';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.resolution_clocks (
        id bigserial primary key,
        tenant_id text not null,
        policy text not null,
        alarm_key text not null,
        service_id text not null,
        severity text not null,
        summary text not null,
        objective text not null,
        objective_ms bigint not null,
        at_risk_fraction double precision not null,
        calendar_name text,
        calendar jsonb not null,
        raised_at timestamptz not null,
        at_risk_at timestamptz not null,
        deadline timestamptz not null,
        state text not null check (state in ('running', 'at-risk', 'breached', 'met', 'cancelled')),
        cleared_at timestamptz,
        resolution text check (resolution in ('resolved', 'cancelled')),
        verdicts int not null default 0,
        raised_event_id uuid not null,
        correlation_id text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (tenant_id, policy, alarm_key, raised_event_id)
      )`);
      await q.query(`create unique index resolution_clocks_one_open on ${s}.resolution_clocks (tenant_id, policy, alarm_key) where cleared_at is null`);
      await q.query(`create index resolution_clocks_by_alarm on ${s}.resolution_clocks (tenant_id, alarm_key) where cleared_at is null`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.resolution_clocks`);
    }
  };
}
