import { createHash } from 'node:crypto';
import { QueryFailedError, type EntityManager } from 'typeorm';

/** What a TypeORM query runner for PostgreSQL hands out on `connect()`: its pg client. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const names = new Map<string, string>();

/** One name per text: two texts never share a name, and a text keeps its name on every connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `vigil_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement a service runs for nearly every event or timer as a prepared statement:
 * PostgreSQL parses it once per connection and, once it has seen a few executions, keeps its
 * plan, where an unnamed statement is parsed and planned on every call (ADR 0026). Use it only
 * for fixed texts (no lists spliced in): each text is prepared once on every connection that
 * runs it. Inside a transaction it runs on the transaction's connection; outside one it is an
 * ordinary query. Answers the rows (an update's too).
 */
export async function preparedQuery<T = Record<string, unknown>>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner) return manager.query(text, values);
  const client = (await runner.connect()) as PgClient;
  try {
    const { rows } = await client.query({ name: nameOf(text), text, values });
    return rows as T[];
  } catch (error) {
    // As `manager.query` reports it: the statement, its parameters and the driver's error.
    throw new QueryFailedError(text, values, error as Error);
  }
}

const genericPlans = new WeakSet<EntityManager>();

/**
 * For the rest of the caller's transaction, PostgreSQL runs prepared statements on their generic
 * plan, made once, instead of planning them again for each call's values. It replans when a
 * custom plan looks cheaper, and with few tenants in `tenant_id` that is always: the window lock
 * was planned again on every call. Call it only where every statement of the transaction
 * finds its rows by key, so the generic plan is the custom one without the values (ADR 0026).
 * Once per transaction; outside one it does nothing.
 */
export async function useGenericPlans(manager: EntityManager): Promise<void> {
  if (!manager.queryRunner || genericPlans.has(manager)) return;
  genericPlans.add(manager);
  await manager.query('set local plan_cache_mode = force_generic_plan');
}
