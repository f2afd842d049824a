import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/** Tenants' time zones, projected from alarm-ingestion's `Tenant` documents. */
export function tenantsMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class SlaTenants1763702000000 implements MigrationInterface {
    name = 'SlaTenants1763702000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.tenants (
        tenant_id text primary key,
        timezone text not null,
        generation int not null,
        updated_at timestamptz not null default now()
      )`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.tenants`);
    }
  };
}
