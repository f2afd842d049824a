import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/** Each resolution clock keeps the id of the breach it published, so corrected history can retract it by name. */
export function clockBreachEventsMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class SlaClockBreachEvents1763702000500 implements MigrationInterface {
    name = 'SlaClockBreachEvents1763702000500';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`alter table ${s}.resolution_clocks add column breached_event_id uuid`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`alter table ${s}.resolution_clocks drop column breached_event_id`);
    }
  };
}
