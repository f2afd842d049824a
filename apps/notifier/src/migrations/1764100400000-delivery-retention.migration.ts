import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * Delivered notifications age out (ADR 0028): the index holds only delivered rows, by when, the
 * rows the retention rule looks for; the rule's checks on the escalation use `deliveries_by_escalation`.
 * A factory over the schema, as the delivery log's, so its up and down can be tested on a scratch schema.
 */
export function deliveryRetentionMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class DeliveryRetention1764100400000 implements MigrationInterface {
    name = 'DeliveryRetention1764100400000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create index if not exists deliveries_delivered on ${s}.deliveries (delivered_at) where status = 'delivered'`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop index ${s}.deliveries_delivered`);
    }
  };
}

export const DeliveryRetention1764100400000 = deliveryRetentionMigration('notifier');
