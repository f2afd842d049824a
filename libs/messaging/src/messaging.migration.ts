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
