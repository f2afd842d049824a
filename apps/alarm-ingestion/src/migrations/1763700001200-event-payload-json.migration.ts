import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stored envelope is `json`, the text as written: the store appends it and hands it out
 * whole, never queries inside it, and `jsonb` cost a parse into its binary form on every
 * append. (ADR 0010.)
 */
export class EventPayloadJson1763700001200 implements MigrationInterface {
  name = 'EventPayloadJson1763700001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query('alter table ingestion.events alter column payload type json using payload::json');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('alter table ingestion.events alter column payload type jsonb using payload::jsonb');
  }
}
