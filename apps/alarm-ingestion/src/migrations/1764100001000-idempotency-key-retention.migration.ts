import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The idempotency keys the inbound consumer records, one per Kafka message it recorded
 * (`kafka/<topic>/<partition>/<offset>`): a ledger of offsets, aged out below checkpoints, where
 * the keys HTTP clients send age out after their retry window (ADR 0028). The retention rules
 * use these very predicates, so that each is answered by its index.
 */
export const InboundOffsetKey = `key ~ '^kafka/vigil\\.alarms\\.inbound\\.v1/[0-9]{1,9}/[0-9]{1,18}$'`;
export const ClientKey = `key !~ '^kafka/vigil\\.alarms\\.inbound\\.v1/[0-9]{1,9}/[0-9]{1,18}$'`;

export class IdempotencyKeyRetention1764100001000 implements MigrationInterface {
  name = 'IdempotencyKeyRetention1764100001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index if not exists idempotency_keys_by_age on ingestion.idempotency_keys (created_at) where ${ClientKey}`);
    // The partition as a number, safe to cast: only keys of that shape are in the index.
    await q.query(`create index if not exists idempotency_keys_by_partition on ingestion.idempotency_keys
      (((split_part(key, '/', 3))::int), created_at) where ${InboundOffsetKey}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop index ingestion.idempotency_keys_by_partition');
    await q.query('drop index ingestion.idempotency_keys_by_age');
  }
}
