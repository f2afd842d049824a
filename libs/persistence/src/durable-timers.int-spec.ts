import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { testEnv } from '@vigil/testing';
import { openDatabase } from './database';
import { DurableTimers, timerOrderMigration, timerRetriesMigration, timersMigration, type DueTimer } from './durable-timers';

const env = testEnv();

describe('DurableTimers against real PostgreSQL', () => {
  const schema = `timers_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let timers: DurableTimers;
  const past = (ms: number) => new Date(Date.now() - ms);

  beforeAll(async () => {
    dataSource = await openDatabase({ url: env.DATABASE_URL, schema, applicationName: 'timers-test', migrations: [timersMigration(schema), timerRetriesMigration(schema), timerOrderMigration(schema)] });
    timers = new DurableTimers(dataSource, schema);
  });

  afterAll(async () => {
    await dataSource.query(`drop schema ${schema} cascade`);
    await dataSource.destroy();
  });

  it('fires each due timer once, even with two pollers at the same moment', async () => {
    await dataSource.transaction(async (m) => {
      for (let i = 0; i < 20; i++) await timers.schedule(m, { tenantId: 'a', kind: 'once', subject: `s${i}`, dueAt: past(1_000) });
    });
    const fired: string[] = [];
    const handler = async (t: DueTimer) => {
      fired.push(t.subject);
    };
    await Promise.all([timers.fireDue(new Date(), handler), timers.fireDue(new Date(), handler)]);
    expect(fired.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`).sort());
    expect(await timers.fireDue(new Date(), handler)).toEqual([]);
  });

  it('fires the timers of one subject in due order, whichever poller claims them: a later one waits while an earlier one is in hand', async () => {
    await dataSource.transaction((m) => timers.schedule(m,
      { tenantId: 'o', kind: 'deadline', subject: 'clock-1', dueAt: past(1_000) },
      { tenantId: 'o', kind: 'at-risk', subject: 'clock-1', dueAt: past(2_000) },
      { tenantId: 'o', kind: 'other', subject: 'clock-2', dueAt: past(1_500) },
    ));
    const fired: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claimedFirst!: () => void;
    const first = new Promise<void>((resolve) => (claimedFirst = resolve));
    // One poller takes the at-risk timer and holds it, uncommitted.
    const slow = timers.fireDue(new Date(), async (t) => {
      claimedFirst();
      await held;
      fired.push(t.kind);
    }, 1);
    await first;
    try {
      // Another poller meanwhile gets the other subject's timer, never the deadline behind the one in hand.
      await timers.fireDue(new Date(), async (t) => void fired.push(t.kind));
      expect(fired).toEqual(['other']);
    } finally {
      release();
      await slow;
    }
    await timers.fireDue(new Date(), async (t) => void fired.push(t.kind));
    expect(fired).toEqual(['other', 'at-risk', 'deadline']);
  });

  it('retries a failing timer later without holding up the timers due after it', async () => {
    await dataSource.transaction(async (m) => {
      await timers.schedule(m, { tenantId: 'b', kind: 'flaky', subject: 'first', dueAt: past(2_000) });
      await timers.schedule(m, { tenantId: 'b', kind: 'flaky', subject: 'second', dueAt: past(1_000) });
    });
    const fired: string[] = [];
    const errors: string[] = [];
    await timers.fireDue(new Date(), async (t) => {
      if (t.subject === 'first') throw new Error('receiver down');
      fired.push(t.subject);
    }, 100, (t, e) => errors.push(`${t.subject}: ${e.message}`));
    expect(fired).toEqual(['second']);
    expect(errors).toEqual(['first: receiver down']);
    const [row] = await dataSource.query(`select attempts, last_error, retry_at > now() as later, fired_at from ${schema}.timers where subject = 'first'`);
    expect(row).toEqual({ attempts: 1, last_error: 'receiver down', later: true, fired_at: null });
    await timers.fireDue(new Date(Date.now() + 2_000), async (t) => {
      fired.push(t.subject);
    });
    expect(fired).toEqual(['second', 'first']);
  });

  it('schedules several timers in one call, each with its own payload, and re-arms those already there', async () => {
    const at = past(10);
    await dataSource.transaction((m) => timers.schedule(m, { tenantId: 'd', kind: 'pair', subject: 'first', dueAt: at, payload: { n: 1, quoted: 'say "hi"\\' } }));
    await dataSource.transaction((m) => timers.schedule(m,
      { tenantId: 'd', kind: 'pair', subject: 'first', dueAt: at, payload: { n: 2 } },
      { tenantId: 'd', kind: 'pair', subject: 'second', dueAt: at, payload: { n: 3, list: ['a', '{b}'] } },
    ));
    const fired: Array<[string, unknown]> = [];
    await timers.fireDue(new Date(), async (t) => void fired.push([t.subject, t.payload]));
    expect(fired.sort()).toEqual([['first', { n: 2 }], ['second', { n: 3, list: ['a', '{b}'] }]]);
    await expect(dataSource.transaction((m) => timers.schedule(m))).resolves.toBeUndefined();
  });

  it('re-arms a fired timer when it is scheduled again, and leaves a cancelled one alone', async () => {
    const schedule = () => dataSource.transaction((m) => timers.schedule(m, { tenantId: 'c', kind: 'again', subject: 'x', dueAt: past(10) }));
    const fired: string[] = [];
    await schedule();
    await timers.fireDue(new Date(), async (t) => void fired.push(t.subject));
    await schedule();
    await timers.fireDue(new Date(), async (t) => void fired.push(t.subject));
    expect(fired).toEqual(['x', 'x']);
    await schedule();
    await dataSource.transaction((m) => timers.cancel(m, 'c', 'again', 'x'));
    await timers.fireDue(new Date(), async (t) => void fired.push(t.subject));
    expect(fired).toEqual(['x', 'x']);
  });
  it('answers when the next pending timer comes due after an instant, leaving out cancelled ones and those due by then', async () => {
    const at = (time: string) => new Date(`2100-01-01T${time}:00.000Z`);
    await dataSource.transaction(async (m) => {
      await timers.schedule(m, { tenantId: 'n', kind: 'next', subject: 'cancelled', dueAt: at('00:30') }, { tenantId: 'n', kind: 'next', subject: 'first', dueAt: at('01:00') });
      await timers.schedule(m, { tenantId: 'n', kind: 'next', subject: 'second', dueAt: at('02:00') });
      await timers.cancel(m, 'n', 'next', 'cancelled');
    });
    await expect(timers.nextDue(at('00:00'))).resolves.toEqual(at('01:00'));
    await expect(timers.nextDue(at('01:00'))).resolves.toEqual(at('02:00'));
    await expect(timers.nextDue(at('02:00'))).resolves.toBeUndefined();
  });

  it('tells who listens of the earliest due time each schedule sets, with the transaction that set it', async () => {
    const at = (time: string) => new Date(`2100-01-02T${time}:00.000Z`);
    const heard: Array<{ manager: unknown; dueAt: Date }> = [];
    const listened = new DurableTimers(dataSource, schema, (manager, dueAt) => heard.push({ manager, dueAt }));
    let transaction: unknown;
    await dataSource.transaction(async (m) => {
      transaction = m;
      await listened.schedule(m, { tenantId: 'h', kind: 'later', subject: 'x', dueAt: at('04:00') }, { tenantId: 'h', kind: 'sooner', subject: 'x', dueAt: at('03:00') });
    });
    expect(heard).toEqual([{ manager: transaction, dueAt: at('03:00') }]);
  });
  it('replaces the pending timer of a pair with the other one, or only cancels when nothing is to be armed', async () => {
    const at = (time: string) => new Date(`2100-01-03T${time}:00.000Z`);
    const pair = { tenantId: 'r', kind: 'turns', subjects: ['w#0', 'w#1'] };
    const pending = async () =>
      (await dataSource.query(`select subject, due_at from ${schema}.timers where tenant_id = 'r' and fired_at is null and cancelled_at is null order by subject`))
        .map((row: { subject: string; due_at: Date }) => ({ subject: row.subject, dueAt: row.due_at }));
    await dataSource.transaction((m) => timers.schedule(m, { tenantId: 'r', kind: 'turns', subject: 'w#0', dueAt: at('01:00') }));

    await dataSource.transaction((m) => timers.replace(m, pair, { subject: 'w#1', dueAt: at('02:00'), payload: { n: 1 } }));
    await expect(pending()).resolves.toEqual([{ subject: 'w#1', dueAt: at('02:00') }]);
    // Re-arming the pending one moves it rather than cancelling it.
    await dataSource.transaction((m) => timers.replace(m, pair, { subject: 'w#1', dueAt: at('03:00') }));
    await expect(pending()).resolves.toEqual([{ subject: 'w#1', dueAt: at('03:00') }]);
    await dataSource.transaction((m) => timers.replace(m, pair, { subject: 'w#0', dueAt: at('04:00') }));
    await expect(pending()).resolves.toEqual([{ subject: 'w#0', dueAt: at('04:00') }]);
    await dataSource.transaction((m) => timers.replace(m, pair));
    await expect(pending()).resolves.toEqual([]);
  });

  it('claims for a caller that fires timers itself: by kind, skipping busy groups, in due order across subjects', async () => {
    const tenantId = 'c';
    await dataSource.transaction((m) => timers.schedule(m,
      { tenantId, kind: 'delivery', subject: 'e1/slack', dueAt: past(3_000), payload: { channel: 'slack' } },
      { tenantId, kind: 'delivery', subject: 'e1/mail', dueAt: past(2_000), payload: { channel: 'mail' } },
      { tenantId, kind: 'other', subject: 'e1/x', dueAt: past(4_000), payload: { channel: 'mail' } },
    ));
    // The slack channel has no room: the mail delivery comes first, and the other kind never.
    const first = await dataSource.transaction(async (m) => {
      const timer = await timers.claim(m, new Date(), { kind: 'delivery', skipGroups: { payloadKey: 'channel', groups: ['c/slack'] }, anyOrder: true });
      if (timer) await timers.markFired(m, timer.id);
      return timer;
    });
    expect(first).toMatchObject({ subject: 'e1/mail', kind: 'delivery', payload: { channel: 'mail' } });
    const none = await dataSource.transaction((m) => timers.claim(m, new Date(), { kind: 'delivery', skipGroups: { payloadKey: 'channel', groups: ['c/slack'] }, anyOrder: true }));
    expect(none).toBeUndefined();
    const second = await dataSource.transaction(async (m) => {
      const timer = await timers.claim(m, new Date(), { kind: 'delivery', skipGroups: { payloadKey: 'channel', groups: [] }, anyOrder: true });
      if (timer) await timers.markFired(m, timer.id);
      return timer;
    });
    expect(second).toMatchObject({ subject: 'e1/slack' });
  });

  it('postpones a claimed timer without counting a failure, and retries one whose transaction failed with backoff', async () => {
    const tenantId = 'p';
    await dataSource.transaction((m) => timers.schedule(m, { tenantId, kind: 'wait', subject: 'w', dueAt: past(1_000) }));
    const claimed = await dataSource.transaction(async (m) => {
      const timer = await timers.claim(m, new Date(), { kind: 'wait' });
      await timers.postpone(m, timer!.id, 60_000, 'breaker open');
      return timer!;
    });
    const row = async () => (await dataSource.query(`select attempts, retry_at, last_error, fired_at from ${schema}.timers where id = $1`, [claimed.id]))[0];
    const postponed = await row();
    expect(postponed).toMatchObject({ attempts: 0, last_error: 'breaker open', fired_at: null });
    expect(new Date(postponed.retry_at).getTime()).toBeGreaterThan(Date.now() + 50_000);
    // Postponed: not due now, so not claimed.
    await expect(dataSource.transaction((m) => timers.claim(m, new Date(), { kind: 'wait' }))).resolves.toBeUndefined();
    // Due again at its retry time, which it reports.
    const later = await dataSource.transaction((m) => timers.claim(m, new Date(Date.now() + 120_000), { kind: 'wait' }));
    expect(later?.retryAt?.getTime()).toBe(new Date(postponed.retry_at).getTime());

    await timers.retryLater(claimed.id, new Error('receiver said 500'));
    await expect(row()).resolves.toMatchObject({ attempts: 1, last_error: 'receiver said 500', fired_at: null });
  });
});
