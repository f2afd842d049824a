import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each restated span was written, so spans age out (ADR 0028). A span is read only to keep a
 * cached closed answer across versions that did not touch it; an answer held at a version whose
 * later spans are gone is computed again, as for a version that never had one. Spans already there
 * count from this migration.
 */
export class ReportingRestatedSpansAge1764110000000 implements MigrationInterface {
  name = 'ReportingRestatedSpansAge1764110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table reporting.restated_spans add column restated_at timestamptz not null default now()`);
    await q.query(`create index restated_spans_by_age on reporting.restated_spans (restated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index reporting.restated_spans_by_age`);
    await q.query(`alter table reporting.restated_spans drop column restated_at`);
  }
}
