import type { DataSource, EntityManager } from 'typeorm';
import { assertIdentifier } from './database';

/** `schema.table`, each part a safe identifier: rules splice it into their statements. */
export function assertTableName(name: string): string {
  const parts = name.split('.');
  if (parts.length !== 2) throw new Error(`not a schema-qualified table name: ${name}`);
  parts.forEach(assertIdentifier);
  return name;
}

interface RuleBase {
  /** Names the rule in logs and errors. */
  name: string;
  /** Schema-qualified; also the `table` label of the deleted-rows metric. */
  table: string;
  /** How old a row must be before it may go. */
  windowMs: number;
}

/**
 * Rows that may go once they are older than the window: by a timestamp column (`t.<column> <
 * cutoff`), or by a predicate over the row `t` in which `$1` is the cutoff instant (for rows whose
 * age is read from several columns, or which must also meet a condition to go). Either must be
 * answered by an index, or each batch scans the table.
 */
export interface AgeRule extends RuleBase {
  age: { column: string } | { predicate: string };
}

/** One of the three parts naming the Kafka partition a ledger row belongs to: an SQL expression over the row `t`, or a constant. */
export type StreamPart = { expression: string } | { value: string | number };

/**
 * A ledger of what a consumer applied, by Kafka partition and offset. A row may go only once a
 * checkpoint of its partition covers it: `(offset, processed_at)` of an applied row, saying that
 * every offset up to it, produced by then, was applied (a partition is applied in offset order), so
 * the consumer skips a message below it that comes again, whatever its id. The checkpoint is kept
 * in `checkpoints` (consumer, topic, partition, offset, processed_at, checkpointed_at), taken from
 * the newest row older than the window, and rows go once it has stood for `CHECKPOINT_GRACE_MS`:
 * a consumer's statement that began before the checkpoint was visible has ended by then, and
 * found the row. The expressions must be answered by an index on (varying parts, `processedAt`).
 */
export interface CheckpointedRule extends RuleBase {
  checkpoints: string;
  consumer: StreamPart;
  topic: StreamPart;
  partition: StreamPart;
  /** SQL expression over the row `t`: the Kafka offset it stands for. */
  offset: string;
  /** Column: when the row was written, in the transaction that applied the message. */
  processedAt: string;
  /** Only rows this predicate (over `t`) holds for are the ledger. */
  where?: string;
}

export type RetentionRule = AgeRule | CheckpointedRule;

/**
 * How long a checkpoint stands before the rows it covers go: longer than any statement may run
 * (statement_timeout, 5 s by default), so a consumer's check that began before the checkpoint was
 * committed cannot miss both.
 */
export const CHECKPOINT_GRACE_MS = 5 * 60_000;

export interface RetentionOptions {
  /** The instant ages are measured from. */
  now: Date;
  /** Names the transaction-scoped advisory lock every batch takes: one replica prunes a schema at a time. */
  lockName: string;
  /** Rows deleted per statement, each its own short transaction. */
  batchSize?: number;
  /** Asked before each batch: true stops the run where it is (shutdown). */
  shouldStop?: () => boolean;
}

export interface RuleOutcome { rule: string; table: string; deleted: number }

export interface RetentionRun {
  outcomes: RuleOutcome[];
  /** Another replica held the lock: this run left the rest to it. */
  yielded: boolean;
  /** Stopped early by `shouldStop`. */
  stopped: boolean;
}

/** Checks a rule's names once, before any of it reaches SQL. */
export function validateRule(rule: RetentionRule): RetentionRule {
  assertTableName(rule.table);
  if (!Number.isFinite(rule.windowMs) || rule.windowMs <= 0) throw new Error(`retention rule ${rule.name}: the window must be positive`);
  if ('age' in rule) {
    if ('column' in rule.age) assertIdentifier(rule.age.column);
    else if (!/\$1(?!\d)/.test(rule.age.predicate)) throw new Error(`retention rule ${rule.name}: the predicate must compare with the cutoff, $1`);
    return rule;
  }
  assertTableName(rule.checkpoints);
  assertIdentifier(rule.processedAt);
  if (varying(rule).length === 0) throw new Error(`retention rule ${rule.name}: a ledger needs a stream part that varies`);
  for (const part of [rule.consumer, rule.topic, rule.partition]) {
    if ('value' in part && typeof part.value === 'number' && !Number.isInteger(part.value)) throw new Error(`retention rule ${rule.name}: a partition is a whole number`);
  }
  return rule;
}

/**
 * Deletes what each rule lets go, in batches of `batchSize` rows, each batch its own transaction
 * under the schema's advisory lock, so a backlog never holds a lock or a transaction for long and
 * two replicas never prune the same schema at once. Answers how many rows each rule deleted.
 */
export async function runRetention(dataSource: DataSource, rules: readonly RetentionRule[], options: RetentionOptions): Promise<RetentionRun> {
  const batchSize = options.batchSize ?? 1_000;
  const graceCutoff = new Date(options.now.getTime() - CHECKPOINT_GRACE_MS);
  const outcomes: RuleOutcome[] = [];
  const locked = <T>(work: (manager: EntityManager) => Promise<T>): Promise<{ done: T } | undefined> =>
    dataSource.transaction(async (manager) => {
      const [{ locked: held }] = await manager.query('select pg_try_advisory_xact_lock(hashtext($1)) as locked', [options.lockName]);
      return held ? { done: await work(manager) } : undefined;
    });
  /** Deletes batch after batch until one comes back short: 'yielded' or 'stopped' when it could not go on. */
  const drain = async (statement: string, parameters: unknown[], count: (n: number) => void): Promise<'done' | 'yielded' | 'stopped'> => {
    for (;;) {
      if (options.shouldStop?.()) return 'stopped';
      const batch = await locked(async (manager) => (await manager.queryRunner!.query(statement, [...parameters, batchSize], true)).affected ?? 0);
      if (!batch) return 'yielded';
      count(batch.done);
      if (batch.done < batchSize) return 'done';
    }
  };
  for (const rule of rules.map(validateRule)) {
    const cutoff = new Date(options.now.getTime() - rule.windowMs);
    let deleted = 0;
    const count = (n: number) => (deleted += n);
    let state: 'done' | 'yielded' | 'stopped' = 'done';
    if ('age' in rule) {
      state = await drain(ageDelete(rule), [cutoff], count);
    } else {
      // Partition by partition, with the checkpoint's own values: the planner then sees how many rows each covers.
      // Its time as text: a Date would cut the microseconds, and the rows written in the checkpoint's transaction would stay.
      const standing: Array<Record<string, unknown>> = await dataSource.query(
        `select c.consumer, c.topic, c.partition, c."offset", c.processed_at::text as processed_at from ${rule.checkpoints} c
         where c.checkpointed_at <= $1 and ${ofRule(rule)}`,
        [graceCutoff],
      );
      const statement = checkpointedDelete(rule);
      for (const checkpoint of standing) {
        const stream = varyingColumns(rule).map((column) => checkpoint[column]);
        state = await drain(statement, [cutoff, checkpoint.processed_at, checkpoint.offset, ...stream], count);
        if (state !== 'done') break;
      }
      if (state === 'done') {
        const advanced = await locked((manager) => manager.query(advanceCheckpoints(rule), [cutoff, options.now, graceCutoff]));
        if (!advanced) state = 'yielded';
      }
    }
    outcomes.push({ rule: rule.name, table: rule.table, deleted });
    if (state !== 'done') return { outcomes, yielded: state === 'yielded', stopped: state === 'stopped' };
  }
  return { outcomes, yielded: false, stopped: false };
}

/**
 * By `ctid`, collected first: a TID scan, and a row changed meanwhile (a fired timer armed again)
 * has another `ctid` and stays. Parameters: cutoff, batch size.
 */
function ageDelete(rule: AgeRule): string {
  const older = 'column' in rule.age ? `t.${rule.age.column} < $1 order by t.${rule.age.column}` : rule.age.predicate;
  return `delete from ${rule.table} where ctid = any(array(select t.ctid from ${rule.table} t where ${older} limit $2::int))`;
}

/**
 * The rows of one partition older than the window that its checkpoint covers, oldest first through
 * the index (a scan in order stops at the batch's end). Parameters: cutoff, the checkpoint's
 * processed_at and offset, the partition's varying parts, the batch size.
 */
function checkpointedDelete(rule: CheckpointedRule): string {
  const parts = varying(rule);
  const stream = parts.map((part, i) => `${part.expression} = $${i + 4}`).join(' and ');
  return `delete from ${rule.table} where ctid = any(array(
    select t.ctid from ${rule.table} t
    where ${stream} and ${rule.where ?? 'true'} and t.${rule.processedAt} < $1::timestamptz and t.${rule.processedAt} <= $2::timestamptz
      and ${rule.offset} <= $3::bigint
    order by t.${rule.processedAt} limit $${parts.length + 4}::int))`;
}

/**
 * Moves each partition's checkpoint to its newest row older than the window (of rows applied in one
 * transaction, the highest offset), once the one it has stood its grace (so rows do go, however often this runs). Walks the partitions by skipping
 * through the index, a probe each, rather than reading the ledger. Parameters: cutoff, now, grace cutoff.
 */
function advanceCheckpoints(rule: CheckpointedRule): string {
  const keys = varying(rule);
  const where = rule.where ?? 'true';
  const row = (prefix: string) => `(${keys.map((_, i) => `${prefix}k${i}`).join(', ')})`;
  const selected = keys.map((k, i) => `${k.expression} as k${i}`).join(', ');
  const ordered = keys.map((k) => k.expression).join(', ');
  const part = (p: StreamPart) => ('value' in p ? literal(p.value) : `s.k${keys.indexOf(p)}`);
  return `with recursive streams as (
      (select ${selected} from ${rule.table} t where ${where} order by ${ordered} limit 1)
      union all
      select n.* from streams s cross join lateral (
        select ${selected} from ${rule.table} t where ${where} and (${ordered}) > ${row('s.')} order by ${ordered} limit 1) n
    )
    insert into ${rule.checkpoints} as c (consumer, topic, partition, "offset", processed_at, checkpointed_at)
    select ${part(rule.consumer)}, ${part(rule.topic)}, ${part(rule.partition)}, l."offset", l.processed_at, $2::timestamptz
    from streams s cross join lateral (
      select ${rule.offset} as "offset", t.${rule.processedAt} as processed_at from ${rule.table} t
      where ${where} and (${ordered}) = ${row('s.')} and t.${rule.processedAt} < $1::timestamptz
      order by t.${rule.processedAt} desc, ${rule.offset} desc limit 1) l
    on conflict (consumer, topic, partition) do update
      set "offset" = excluded."offset", processed_at = excluded.processed_at, checkpointed_at = excluded.checkpointed_at
      where c.processed_at < excluded.processed_at and c.checkpointed_at <= $3::timestamptz`;
}

/** The checkpoint is one of this ledger's (for the parts that are constant). */
function ofRule(rule: CheckpointedRule): string {
  const parts = { consumer: rule.consumer, topic: rule.topic, partition: rule.partition };
  return Object.entries(parts).filter(([, p]) => 'value' in p).map(([column, p]) => `c.${column} = ${literal((p as { value: string | number }).value)}`).join(' and ') || 'true';
}

/** The checkpoint columns of the parts that vary, in the order of `varying`. */
function varyingColumns(rule: CheckpointedRule): string[] {
  return (['consumer', 'topic', 'partition'] as const).filter((column) => 'expression' in rule[column]);
}

function varying(rule: CheckpointedRule): Array<{ expression: string }> {
  return [rule.consumer, rule.topic, rule.partition].filter((p): p is { expression: string } => 'expression' in p);
}

function literal(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;
}
