import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Corrected verdicts (docs/adr/0011): an `sla-met` or `sla-breached` naming the breach it
 * `corrects`. Kept apart from `breaches`, so a correction that arrives before the breach it names
 * still applies, and with its `recorded_at`, so a report `as_of` before it still counts the breach.
 */
export class ReportingBreachCorrections1763710000600 implements MigrationInterface {
  name = 'ReportingBreachCorrections1763710000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table reporting.breach_corrections (
      event_id uuid primary key,
      tenant_id text not null,
      corrects uuid not null,
      kind text not null,
      effective_at timestamptz not null,
      recorded_at timestamptz not null
    )`);
    await q.query(`create index breach_corrections_by_corrected on reporting.breach_corrections (corrects)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table reporting.breach_corrections`);
  }
}
