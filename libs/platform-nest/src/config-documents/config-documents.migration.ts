import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

export function configDocumentsMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class ConfigDocuments1763700000200 implements MigrationInterface {
    name = 'ConfigDocuments1763700000200';
    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.config_documents (
        tenant_id text not null,
        kind text not null,
        name text not null,
        spec jsonb not null,
        labels jsonb not null default '{}',
        generation int not null,
        updated_at timestamptz not null default now(),
        primary key (tenant_id, kind, name)
      )`);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.config_documents`);
    }
  };
}
