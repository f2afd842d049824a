import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * The outbox and the processed-event ledger every service keeps in its own schema.
 * Returned as a class per schema because TypeORM migrations are classes.
 */
export function messagingMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class MessagingTables1763700000000 implements MigrationInterface {
    name = 'MessagingTables1763700000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.outbox (
        id bigserial primary key,
        event_id uuid not null unique,
        topic text not null,
        message_key text not null,
        headers jsonb not null default '{}',
        payload jsonb not null,
        created_at timestamptz not null default now(),
        published_at timestamptz
      )`);
      await q.query(`create index outbox_unpublished on ${s}.outbox (id) where published_at is null`);
      await q.query(`create table ${s}.processed_events (
        consumer text not null,
        event_id uuid not null,
        topic text not null,
        partition int not null,
        "offset" bigint not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id)
      )`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.processed_events`);
      await q.query(`drop table ${s}.outbox`);
    }
  };
}

/**
 * The outbox becomes a queue: the relay deletes what it published instead of stamping
 * `published_at` (an update rewrote every row and its index entries, and the stamped rows
 * waited a day for a prune), and the payload is `json`, the text as written, because the
 * relay sends it as text and `jsonb` cost a parse on insert and a re-serialisation on every
 * read. The event store keeps the history; the outbox only carries it to Kafka. ADR 0010.
 */
export function outboxAsQueueMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class OutboxAsQueue1763800000000 implements MigrationInterface {
    name = 'OutboxAsQueue1763800000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`delete from ${s}.outbox where published_at is not null`);
      await q.query(`drop index ${s}.outbox_unpublished`);
      await q.query(`alter table ${s}.outbox drop column published_at, alter column payload type json using payload::json`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`alter table ${s}.outbox add column published_at timestamptz, alter column payload type jsonb using payload::jsonb`);
      await q.query(`create index outbox_unpublished on ${s}.outbox (id) where published_at is null`);
    }
  };
}

/**
 * The ledger ages out below checkpoints (ADR 0028): `processed_checkpoints` holds, per consumer
 * and partition, an offset up to which everything was applied, and the index walks the ledger by
 * partition and age, for the checkpoints and for the rows they cover. `if not exists`: on a large
 * ledger an operator may build the index beforehand, concurrently (RUNBOOK, Retention).
 */
export function ledgerCheckpointsMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class LedgerCheckpoints1764100000000 implements MigrationInterface {
    name = 'LedgerCheckpoints1764100000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create index if not exists processed_events_by_partition on ${s}.processed_events (consumer, topic, partition, processed_at)`);
      await q.query(`create table ${s}.processed_checkpoints (
        consumer text not null,
        topic text not null,
        partition int not null,
        -- every offset up to this one, produced by processed_at, was applied
        "offset" bigint not null,
        processed_at timestamptz not null,
        checkpointed_at timestamptz not null,
        primary key (consumer, topic, partition)
      )`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.processed_checkpoints`);
      await q.query(`drop index ${s}.processed_events_by_partition`);
    }
  };
}

/** Every messaging migration of a schema, in order. */
export function messagingMigrations(schema: string): Array<new () => MigrationInterface> {
  return [messagingMigration(schema), outboxAsQueueMigration(schema), ledgerCheckpointsMigration(schema)];
}
