import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Escalations and their timeline. At most one active (open or acknowledged) escalation per alarm. */
export class CreateEscalations1763700003100 implements MigrationInterface {
  name = 'CreateEscalations1763700003100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table escalation.escalations (
      id uuid primary key,
      tenant_id text not null,
      alarm_key text not null,
      service_id text not null,
      severity text not null,
      summary text not null,
      policy text not null,
      policy_spec jsonb not null,
      status text not null check (status in ('open', 'acknowledged', 'resolved')),
      reason jsonb not null,
      opened_at timestamptz not null,
      last_round int,
      last_level int,
      last_triggered_at timestamptz,
      next_round int,
      next_level int,
      next_round_started_at timestamptz,
      next_due_at timestamptz,
      acknowledged_at timestamptz,
      acknowledged_by text,
      resolved_at timestamptz,
      version int not null,
      updated_at timestamptz not null default now()
    )`);
    await q.query(`create unique index escalations_one_active_per_alarm on escalation.escalations (tenant_id, alarm_key) where status <> 'resolved'`);
    await q.query(`create index escalations_by_tenant_status on escalation.escalations (tenant_id, status, opened_at desc)`);
    await q.query(`create table escalation.escalation_timeline (
      escalation_id uuid not null references escalation.escalations (id) on delete cascade,
      seq int not null,
      type text not null,
      at timestamptz not null,
      detail jsonb not null default '{}',
      event_id uuid,
      primary key (escalation_id, seq)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table escalation.escalation_timeline`);
    await q.query(`drop table escalation.escalations`);
  }
}
