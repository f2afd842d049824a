import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What this service knows of each alarm from `vigil.alarm-events.v1`: its labels (SLA
 * events carry none, yet a policy may match on them) and whether it has cleared.
 */
export class CreateAlarms1763700003200 implements MigrationInterface {
  name = 'CreateAlarms1763700003200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table escalation.alarms (
      tenant_id text not null,
      alarm_key text not null,
      service_id text not null,
      labels jsonb not null default '{}',
      status text not null check (status in ('raised', 'cleared')),
      sequence int not null,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, alarm_key)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table escalation.alarms`);
  }
}
