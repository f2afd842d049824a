import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The time each restatement version touched (docs/adr/0018): a cached closed answer stays valid
 * across versions that restated none of its days. A version without a row (moved before this
 * table, or by anything that does not say what it touched) invalidates everything, as before.
 */
export class ReportingRestatedSpans1763710000700 implements MigrationInterface {
  name = 'ReportingRestatedSpans1763710000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table reporting.restated_spans (
      tenant_id text not null,
      version bigint not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      primary key (tenant_id, version)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table reporting.restated_spans`);
  }
}
