import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A version per tenant that moves whenever an event restates a closed day (a late or corrected
 * event about time before the tenant's current local day, or configuration): cached answers
 * about closed days stay valid exactly as long as it does not move.
 */
export class ReportingRestatements1763710000300 implements MigrationInterface {
  name = 'ReportingRestatements1763710000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table reporting.restatements (
      tenant_id text primary key,
      version bigint not null,
      restated_at timestamptz not null default now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table reporting.restatements`);
  }
}
