import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read model reporting answers from: the configuration it projects from other services
 * (tenant zones, availability targets), incidents, SLA breaches and escalation timelines.
 * Everything here can be rebuilt by replaying the event topics from offset zero.
 */
export class ReportingReadModel1763710000000 implements MigrationInterface {
  name = 'ReportingReadModel1763710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table reporting.tenants (
      tenant_id text primary key,
      timezone text not null,
      display_name text,
      generation int not null,
      updated_at timestamptz not null default now()
    )`);
    await q.query(`create table reporting.availability_targets (
      tenant_id text not null,
      policy text not null,
      services text[],
      selector jsonb,
      objective double precision not null,
      counted_severities text[] not null default '{critical,major}',
      minimum_outage_ms bigint not null default 0,
      generation int not null,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, policy)
    )`);
    await q.query(`create table reporting.incidents (
      id bigserial primary key,
      tenant_id text not null,
      alarm_key text not null,
      service_id text not null,
      severity text not null,
      summary text not null default '',
      labels jsonb not null default '{}',
      started_at timestamptz not null,
      ended_at timestamptz,
      acknowledged_at timestamptz,
      resolution text check (resolution in ('resolved', 'cancelled')),
      raised_event_id uuid,
      cleared_event_id uuid,
      acknowledged_event_id uuid,
      updated_at timestamptz not null default now(),
      unique (tenant_id, alarm_key, started_at)
    )`);
    // An alarm is active at most once: a repeated raise of an active alarm opens nothing.
    await q.query(`create unique index incidents_one_open_per_alarm on reporting.incidents (tenant_id, alarm_key) where ended_at is null`);
    await q.query(`create index incidents_by_start on reporting.incidents (tenant_id, started_at)`);
    await q.query(`create index incidents_by_service_start on reporting.incidents (tenant_id, service_id, started_at)`);
    await q.query(`create table reporting.breaches (
      event_id uuid primary key,
      tenant_id text not null,
      service_id text not null,
      policy text not null,
      policy_type text not null,
      subject text not null,
      alarm_key text,
      reason text not null,
      effective_at timestamptz not null,
      recorded_at timestamptz not null default now(),
      unique (tenant_id, policy, subject, effective_at)
    )`);
    await q.query(`create index breaches_by_effective on reporting.breaches (tenant_id, effective_at)`);
    await q.query(`create table reporting.escalation_timeline (
      event_id uuid primary key,
      tenant_id text not null,
      escalation_id uuid not null,
      type text not null,
      alarm_key text not null,
      service_id text not null,
      policy text,
      level int,
      round int,
      targets jsonb,
      actor text,
      occurred_at timestamptz not null
    )`);
    await q.query(`create index escalation_timeline_by_escalation on reporting.escalation_timeline (tenant_id, escalation_id, occurred_at)`);
    await q.query(`create index escalation_timeline_by_alarm on reporting.escalation_timeline (tenant_id, alarm_key, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table reporting.escalation_timeline`);
    await q.query(`drop table reporting.breaches`);
    await q.query(`drop table reporting.incidents`);
    await q.query(`drop table reporting.availability_targets`);
    await q.query(`drop table reporting.tenants`);
  }
}
