import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventStore1763700001000 implements MigrationInterface {
  name = 'EventStore1763700001000';

  async up(q: QueryRunner): Promise<void> {
    // One stream per (tenant, alarm key); the version makes concurrent writers serialize.
    await q.query(`create table ingestion.events (
      position bigserial primary key,
      event_id uuid not null unique,
      tenant_id text not null,
      stream_id text not null,
      version int not null,
      type text not null,
      occurred_at timestamptz not null,
      recorded_at timestamptz not null,
      payload jsonb not null,
      unique (tenant_id, stream_id, version)
    )`);
    // The current state of each alarm: a projection of its stream, written in the same transaction.
    await q.query(`create table ingestion.alarms (
      tenant_id text not null,
      alarm_key text not null,
      service_id text not null,
      severity text not null,
      summary text not null,
      status text not null check (status in ('active', 'cleared')),
      raised_at timestamptz not null,
      cleared_at timestamptz,
      version int not null,
      raised_event_id uuid not null,
      primary key (tenant_id, alarm_key)
    )`);
    await q.query(`create table ingestion.idempotency_keys (
      tenant_id text not null,
      key text not null,
      request_hash text not null,
      status_code int not null,
      response jsonb not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, key)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table ingestion.idempotency_keys');
    await q.query('drop table ingestion.alarms');
    await q.query('drop table ingestion.events');
  }
}
