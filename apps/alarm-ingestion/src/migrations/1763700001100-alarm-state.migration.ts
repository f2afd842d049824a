import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What deciding late, corrective and acknowledging changes needs to know of an alarm. */
export class AlarmState1763700001100 implements MigrationInterface {
  name = 'AlarmState1763700001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table ingestion.alarms
      add column cleared_event_id uuid,
      add column acknowledged_at timestamptz,
      add column labels jsonb not null default '{}',
      add column source text not null default 'api'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('alter table ingestion.alarms drop column cleared_event_id, drop column acknowledged_at, drop column labels, drop column source');
  }
}
