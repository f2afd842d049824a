import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * The delivery log: one row per (escalation event, channel). It is the job record the
 * `delivery` timer works on and the proof that a delivery already happened, so a timer
 * that fires again after a success changes nothing.
 *
 * A factory over the schema so the migration's up and down can be tested on a scratch
 * schema; the app runs it on `notifier`.
 */
export function deliveryLogMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class DeliveryLog1763700400000 implements MigrationInterface {
    name = 'DeliveryLog1763700400000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.deliveries (
        id bigserial primary key,
        tenant_id text not null,
        escalation_event_id uuid not null,
        escalation_id uuid not null,
        event_type text not null,
        channel text not null,
        -- the escalation event as consumed: what the notification says
        event jsonb not null,
        -- for acknowledged/resolved: the latest trigger this channel was sent (level, round, reason)
        trigger jsonb,
        status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
        channel_type text,
        attempts int not null default 0,
        status_code int,
        last_error text,
        created_at timestamptz not null default now(),
        delivered_at timestamptz,
        failed_at timestamptz,
        unique (escalation_event_id, channel)
      )`);
      await q.query(`create index deliveries_by_escalation on ${s}.deliveries (tenant_id, escalation_id, event_type)`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.deliveries`);
    }
  };
}

export const DeliveryLog1763700400000 = deliveryLogMigration('notifier');
