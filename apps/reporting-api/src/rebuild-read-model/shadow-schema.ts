import type { EntityManager } from 'typeorm';
import { assertIdentifier } from '@vigil/persistence';

export const LiveSchema = 'reporting';
export const ShadowSchema = 'reporting_rebuild';

/**
 * Tables of the schema that are not the read model: the platform's, and the restatement versions and their spans (kept, and moved on swap).
 * The ledger's checkpoints stay as they are: the replay applies everything up to them again.
 */
const NotReadModel = ['migrations', 'outbox', 'processed_events', 'processed_checkpoints', 'config_documents', 'restatements', 'restated_spans'];

type Queryable = Pick<EntityManager, 'query'>;

/**
 * The same manager, its SQL aimed at another schema. The projections name the live schema
 * (`reporting.`) in their SQL; a rebuild runs exactly the same code against the shadow one,
 * so a rebuilt read model can never drift from what live projection does.
 */
export function inSchema(manager: EntityManager, schema: string): EntityManager {
  assertIdentifier(schema);
  const rewrite = (sql: string) => sql.replace(/\breporting\./g, `${schema}.`);
  return new Proxy(manager, {
    get(target, property, receiver) {
      if (property === 'query') return (sql: string, parameters?: unknown[]) => target.query(rewrite(sql), parameters);
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/** The read-model tables of the live schema, as the migrations made them. */
export async function readModelTables(q: Queryable): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await q.query(
    `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' and not (table_name = any($2)) order by table_name`,
    [LiveSchema, NotReadModel],
  );
  return rows.map((r) => r.table_name);
}

/**
 * A fresh, empty copy of the read model (and a ledger of its own) in the shadow schema: columns,
 * defaults, checks and indexes copied from the live tables, each serial column on a sequence of
 * its own (the live one goes with the live table), foreign keys pointed at the shadow tables.
 */
export async function createShadowSchema(q: Queryable, tables: string[]): Promise<void> {
  await q.query(`drop schema if exists ${ShadowSchema} cascade`);
  await q.query(`create schema ${ShadowSchema}`);
  // The replay's own ledger, and restatement versions the projection writes (the live ones are kept and moved on swap).
  for (const table of [...tables, 'processed_events', 'restatements', 'restated_spans']) {
    assertIdentifier(table);
    await q.query(`create table ${ShadowSchema}.${table} (like ${LiveSchema}.${table} including all)`);
    const serials: Array<{ column_name: string }> = await q.query(
      `select column_name from information_schema.columns where table_schema = $1 and table_name = $2 and column_default like 'nextval(%'`,
      [LiveSchema, table],
    );
    for (const { column_name: column } of serials) {
      assertIdentifier(column);
      const sequence = `${ShadowSchema}.${table}_${column}_seq`;
      await q.query(`create sequence ${sequence} owned by ${ShadowSchema}.${table}.${column}`);
      await q.query(`alter table ${ShadowSchema}.${table} alter column ${column} set default nextval('${sequence}')`);
    }
  }
  const foreignKeys: Array<{ table: string; name: string; definition: string }> = await q.query(
    `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
     from pg_constraint c where c.connamespace = $1::regnamespace and c.contype = 'f'`,
    [LiveSchema],
  );
  for (const fk of foreignKeys) {
    const table = fk.table.replace(/^.*\./, '');
    if (!tables.includes(table)) continue;
    const definition = fk.definition.replace(/REFERENCES (?:\w+\.)?(\w+)\(/, `REFERENCES ${ShadowSchema}.$1(`);
    await q.query(`alter table ${ShadowSchema}.${table} add constraint ${assertIdentifier(fk.name)} ${definition}`);
  }
}

/** An index definition without its name and schema, to pair a shadow index with the live one it copies. */
const indexShape = (definition: string) => definition.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+/, 'CREATE $1INDEX ON');

/**
 * Puts the shadow tables in place of the live ones, in the caller's transaction: the live tables
 * are dropped, the shadow ones moved into the live schema (their sequences with them) and their
 * indexes given the live names, so later migrations find what they expect.
 */
export async function swapIn(q: Queryable, tables: string[]): Promise<void> {
  const liveIndexes: Array<{ indexname: string; indexdef: string; tablename: string }> = await q.query(
    `select indexname, indexdef, tablename from pg_indexes where schemaname = $1 and tablename = any($2)`,
    [LiveSchema, tables],
  );
  const shadowIndexes: Array<{ indexname: string; indexdef: string; tablename: string }> = await q.query(
    `select indexname, indexdef, tablename from pg_indexes where schemaname = $1 and tablename = any($2)`,
    [ShadowSchema, tables],
  );
  await q.query(`drop table ${tables.map((t) => `${LiveSchema}.${assertIdentifier(t)}`).join(', ')} cascade`);
  for (const table of tables) await q.query(`alter table ${ShadowSchema}.${table} set schema ${LiveSchema}`);
  for (const shadow of shadowIndexes) {
    const live = liveIndexes.find((l) => l.tablename === shadow.tablename && indexShape(l.indexdef) === indexShape(shadow.indexdef));
    if (live && live.indexname !== shadow.indexname) {
      await q.query(`alter index ${LiveSchema}.${assertIdentifier(shadow.indexname)} rename to ${assertIdentifier(live.indexname)}`);
    }
  }
}
