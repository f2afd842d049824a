import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

/**
 * Every generation of each MaintenanceWindow the calculator has judged by: when a window is
 * applied again with other times or services, the one it replaces says which months and
 * services it leaves, and those are judged again too. Windows applied before this table
 * existed start with their current generation.
 */
export function maintenanceWindowVersionsMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class SlaMaintenanceWindowVersions1763702000600 implements MigrationInterface {
    name = 'SlaMaintenanceWindowVersions1763702000600';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.maintenance_window_versions (
        tenant_id text not null,
        name text not null,
        generation int not null,
        services jsonb not null,
        from_at timestamptz not null,
        to_at timestamptz not null,
        event_id uuid,
        created_at timestamptz not null default now(),
        primary key (tenant_id, name, generation)
      )`);
      // The platform's documents table is there in a service's schema (not in a scratch schema of the tests).
      const [{ present }] = await q.query(`select to_regclass($1) is not null as present`, [`${s}.config_documents`]);
      if (present) {
        await q.query(`insert into ${s}.maintenance_window_versions (tenant_id, name, generation, services, from_at, to_at)
          select tenant_id, name, generation, coalesce(spec->'services', '["*"]'::jsonb), (spec->>'from')::timestamptz, (spec->>'to')::timestamptz
          from ${s}.config_documents where kind = 'MaintenanceWindow'`);
      }
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.maintenance_window_versions`);
    }
  };
}
