import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { preparedQuery } from './prepared-query';
import { assertIdentifier } from './database';
import type { AgeRule } from './retention';

export interface DueTimer {
  id: string;
  tenantId: string;
  kind: string;
  subject: string;
  dueAt: Date;
  payload: Record<string, unknown>;
}

/** A claimed timer, with when it was last put off (a failure, or a postponement), if it was. */
export type ClaimedTimer = DueTimer & { retryAt?: Date };

export interface ClaimFilter {
  /** Only timers of this kind. */
  kind?: string;
  /**
   * Skips the timers whose group, `<tenant>/<payload[payloadKey]>`, is in `groups`: a caller
   * that bounds the work in flight per group claims only for the groups with room.
   */
  skipGroups?: { payloadKey: string; groups: string[] };
  /** Claims in due order across subjects too, without waiting for an earlier timer of the same subject. */
  anyOrder?: boolean;
}

export interface ScheduleTimer {
  tenantId: string;
  kind: string;
  /** With `kind`, identifies the timer: scheduling the same one again moves it (and re-arms it if it fired). */
  subject: string;
  dueAt: Date;
  payload?: Record<string, unknown>;
}

export function timersMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class DurableTimers1763700000100 implements MigrationInterface {
    name = 'DurableTimers1763700000100';
    async up(q: QueryRunner): Promise<void> {
      await q.query(`create table ${s}.timers (
        id bigserial primary key,
        tenant_id text not null,
        kind text not null,
        subject text not null,
        due_at timestamptz not null,
        payload jsonb not null default '{}',
        fired_at timestamptz,
        cancelled_at timestamptz,
        created_at timestamptz not null default now(),
        unique (tenant_id, kind, subject)
      )`);
      await q.query(`create index timers_due on ${s}.timers (due_at) where fired_at is null and cancelled_at is null`);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop table ${s}.timers`);
    }
  };
}

/** A timer whose handler fails is retried later with backoff instead of blocking the ones due after it. */
export function timerRetriesMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class DurableTimerRetries1763700000300 implements MigrationInterface {
    name = 'DurableTimerRetries1763700000300';
    async up(q: QueryRunner): Promise<void> {
      await q.query(`alter table ${s}.timers add column attempts int not null default 0, add column retry_at timestamptz, add column last_error text`);
      await q.query(`drop index ${s}.timers_due`);
      await q.query(`create index timers_due on ${s}.timers ((coalesce(retry_at, due_at))) where fired_at is null and cancelled_at is null`);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop index ${s}.timers_due`);
      await q.query(`create index timers_due on ${s}.timers (due_at) where fired_at is null and cancelled_at is null`);
      await q.query(`alter table ${s}.timers drop column attempts, drop column retry_at, drop column last_error`);
    }
  };
}

/**
 * Timers of one subject fire in due order (ADR 0021): the claim skips a timer while an earlier
 * one of its subject is pending, which this index answers with a probe.
 */
export function timerOrderMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class DurableTimerOrder1763700000500 implements MigrationInterface {
    name = 'DurableTimerOrder1763700000500';
    async up(q: QueryRunner): Promise<void> {
      await q.query(`create index timers_pending_by_subject on ${s}.timers (tenant_id, subject) where fired_at is null and cancelled_at is null`);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop index ${s}.timers_pending_by_subject`);
    }
  };
}

/**
 * Fired and cancelled timers age out (ADR 0028): nothing reads them, and scheduling a subject
 * whose timer is gone inserts it where it would have armed the old row again. The index holds
 * only finished timers, the rows the retention rule looks for.
 */
export function timerRetentionMigration(schema: string): new () => MigrationInterface {
  const s = assertIdentifier(schema);
  return class DurableTimerRetention1764100000100 implements MigrationInterface {
    name = 'DurableTimerRetention1764100000100';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`create index timers_finished on ${s}.timers ((coalesce(fired_at, cancelled_at))) where coalesce(fired_at, cancelled_at) is not null`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`drop index ${s}.timers_finished`);
    }
  };
}

/** Timers fired or cancelled longer than `windowMs` ago go; a pending one (neither) never does. */
export function timerRetentionRule(schema: string, windowMs: number): AgeRule {
  return { name: 'timers', table: `${assertIdentifier(schema)}.timers`, windowMs, age: { predicate: 'coalesce(t.fired_at, t.cancelled_at) < $1' } };
}

const MAX_RETRY_DELAY_MS = 5 * 60_000;

/** Scheduling a timer that exists moves it and arms it again, fired or cancelled. */
const REARM = `on conflict (tenant_id, kind, subject) do update
  set due_at = excluded.due_at, payload = excluded.payload, cancelled_at = null, fired_at = null, attempts = 0, retry_at = null, last_error = null`;

/**
 * Time-driven facts kept in PostgreSQL. Due timers are claimed with
 * `FOR UPDATE SKIP LOCKED` and fired inside the claiming transaction, so any number of
 * replicas can poll, a crash loses none, and none fires twice.
 */
export class DurableTimers {
  private readonly table: string;

  /**
   * `onScheduled` hears of the earliest due time each `schedule` call sets, with the
   * transaction's manager: a poller can then wake when that transaction has committed.
   */
  constructor(private readonly dataSource: DataSource, schema: string, private readonly onScheduled?: (manager: EntityManager, dueAt: Date) => void) {
    this.table = `${assertIdentifier(schema)}.timers`;
  }

  /**
   * Schedules (or reschedules, fired or cancelled ones included) timers within the caller's
   * transaction, all in one statement. Each (tenant, kind, subject) may appear once.
   */
  async schedule(manager: EntityManager, ...timers: ScheduleTimer[]): Promise<void> {
    if (timers.length === 0) return;
    await preparedQuery(manager,
      `insert into ${this.table} (tenant_id, kind, subject, due_at, payload)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[])
       ${REARM}`,
      [
        timers.map((t) => t.tenantId), timers.map((t) => t.kind), timers.map((t) => t.subject),
        timers.map((t) => t.dueAt.toISOString()), timers.map((t) => JSON.stringify(t.payload ?? {})),
      ],
    );
    this.onScheduled?.(manager, new Date(Math.min(...timers.map((t) => t.dueAt.getTime()))));
  }

  /**
   * For a timer that takes turns between subjects: cancels the pending timers of `subjects`
   * and arms `timer` (one of them, which stays armed, moved to its new due time), in one
   * statement. Without `timer` it only cancels.
   */
  async replace(manager: EntityManager, pending: { tenantId: string; kind: string; subjects: string[] }, timer?: Omit<ScheduleTimer, 'tenantId' | 'kind'>): Promise<void> {
    const { tenantId, kind, subjects } = pending;
    if (!timer) return this.cancel(manager, tenantId, kind, subjects);
    // The update and the insert touch different rows: a statement may not change one row twice.
    await preparedQuery(manager,
      `with cancelled as (
         update ${this.table} set cancelled_at = now()
         where tenant_id = $1 and kind = $2 and subject = any($3) and subject <> $4 and fired_at is null and cancelled_at is null
       )
       insert into ${this.table} (tenant_id, kind, subject, due_at, payload) values ($1, $2, $4, $5, $6::jsonb)
       ${REARM}`,
      [tenantId, kind, subjects, timer.subject, timer.dueAt.toISOString(), JSON.stringify(timer.payload ?? {})],
    );
    this.onScheduled?.(manager, timer.dueAt);
  }

  /** Cancels the pending timer of a subject, or of each of several. */
  async cancel(manager: EntityManager, tenantId: string, kind: string, subject: string | readonly string[]): Promise<void> {
    await preparedQuery(manager,
      `update ${this.table} set cancelled_at = now() where tenant_id = $1 and kind = $2 and subject = any($3) and fired_at is null and cancelled_at is null`,
      [tenantId, kind, typeof subject === 'string' ? [subject] : subject],
    );
  }

  async cancelWhere(manager: EntityManager, tenantId: string, subjectPrefix: string): Promise<void> {
    await manager.query(
      `update ${this.table} set cancelled_at = now() where tenant_id = $1 and subject like $2 and fired_at is null and cancelled_at is null`,
      [tenantId, `${subjectPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
    );
  }

  /**
   * Claims up to `limit` due timers and fires each with the handler in its own
   * transaction. Returns the lateness of each that fired. A handler that throws rolls
   * its transaction back; the timer is retried later with exponential backoff (and the
   * error kept in `last_error`), so it cannot hold up the timers due after it.
   */
  async fireDue(now: Date, handler: (timer: DueTimer, manager: EntityManager) => Promise<void>, limit = 100, onError?: (timer: DueTimer, error: Error) => void): Promise<number[]> {
    const lateness: number[] = [];
    for (let i = 0; i < limit; i++) {
      let claimed: DueTimer | undefined;
      try {
        const fired = await this.dataSource.transaction(async (manager) => {
          claimed = await this.claim(manager, now);
          if (!claimed) return undefined;
          await handler(claimed, manager);
          await this.markFired(manager, claimed.id);
          return Date.now() - claimed.dueAt.getTime();
        });
        if (fired === undefined) break;
        lateness.push(fired);
      } catch (error) {
        if (!claimed) throw error;
        onError?.(claimed, error as Error);
        await this.retryLater(claimed.id, error as Error);
      }
    }
    return lateness;
  }

  /**
   * Claims one timer due at `now` in the caller's transaction (`FOR UPDATE SKIP LOCKED`), for
   * a caller that fires it itself: it then marks it fired or postpones it in that transaction,
   * and after a rollback calls `retryLater`. Without `filter.anyOrder` a timer waits while an
   * earlier one of its subject is pending, claimed elsewhere or not, so a subject's timers fire
   * in due order whichever lane or replica claims them (ADR 0021).
   */
  async claim(manager: EntityManager, now: Date, filter: ClaimFilter = {}): Promise<ClaimedTimer | undefined> {
    const values: unknown[] = [now.toISOString()];
    const where = ['t.fired_at is null', 't.cancelled_at is null', 'coalesce(t.retry_at, t.due_at) <= $1'];
    if (filter.kind !== undefined) {
      values.push(filter.kind);
      where.push(`t.kind = $${values.length}`);
    }
    if (filter.skipGroups) {
      values.push(filter.skipGroups.groups);
      where.push(`not (t.tenant_id || '/' || coalesce(t.payload->>'${assertIdentifier(filter.skipGroups.payloadKey)}', '')) = any($${values.length}::text[])`);
    }
    if (!filter.anyOrder) {
      where.push(`not exists (
                   select 1 from ${this.table} e
                   where e.tenant_id = t.tenant_id and e.subject = t.subject and e.fired_at is null and e.cancelled_at is null
                     and (coalesce(e.retry_at, e.due_at), e.id) < (coalesce(t.retry_at, t.due_at), t.id))`);
    }
    const rows: Array<{ id: string; tenant_id: string; kind: string; subject: string; due_at: Date; retry_at: Date | null; payload: Record<string, unknown> }> =
      await preparedQuery(manager,
        `select t.id, t.tenant_id, t.kind, t.subject, t.due_at, t.retry_at, t.payload from ${this.table} t
         where ${where.join(' and ')}
         order by coalesce(t.retry_at, t.due_at) limit 1 for update of t skip locked`,
        values,
      );
    if (rows.length === 0) return undefined;
    const [row] = rows;
    return {
      id: String(row.id), tenantId: row.tenant_id, kind: row.kind, subject: row.subject, dueAt: new Date(row.due_at),
      retryAt: row.retry_at ? new Date(row.retry_at) : undefined, payload: row.payload,
    };
  }

  /** Marks a claimed timer fired, in its claiming transaction. */
  async markFired(manager: EntityManager, id: string): Promise<void> {
    await preparedQuery(manager, `update ${this.table} set fired_at = now() where id = $1`, [id]);
  }

  /**
   * Puts a claimed timer off by `delayMs`, in its claiming transaction, keeping `reason` in
   * `last_error`. Not a failure: the attempt count that drives the backoff stays as it is.
   */
  async postpone(manager: EntityManager, id: string, delayMs: number, reason: string): Promise<void> {
    await preparedQuery(manager, `update ${this.table} set retry_at = now() + interval '1 millisecond' * $2, last_error = $3 where id = $1`,
      [id, delayMs, reason.slice(0, 2_000)]);
  }

  /** After a claimed timer's transaction rolled back: tries it again later, with exponential backoff. */
  async retryLater(id: string, error: Error): Promise<void> {
    await this.dataSource.query(
      `update ${this.table} set attempts = attempts + 1, last_error = $2,
         retry_at = now() + least(interval '1 millisecond' * $3, interval '1 second' * power(2, attempts)) where id = $1`,
      [id, error.message.slice(0, 2_000), MAX_RETRY_DELAY_MS],
    );
  }

  /**
   * When the next pending timer comes due after `after` (one due before it is being fired or
   * waits for an earlier timer of its subject). `undefined` when none is pending.
   */
  async nextDue(after = new Date(0)): Promise<Date | undefined> {
    const [row] = await this.dataSource.query(
      `select min(coalesce(retry_at, due_at)) as due from ${this.table} where fired_at is null and cancelled_at is null and coalesce(retry_at, due_at) > $1`,
      [after.toISOString()],
    );
    return row?.due ? new Date(row.due) : undefined;
  }
}
