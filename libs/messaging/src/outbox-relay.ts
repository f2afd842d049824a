import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { Poller, assertIdentifier } from '@vigil/persistence';

export interface RelayOptions {
  batchSize?: number;
  idlePollMs?: number;
  maxBackoffMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
  onPublished?: (count: number) => void;
}

/** The payload is read as text: it goes to Kafka as it was stored, without a parse and a stringify. `id` is a bigint, so pg gives a string. */
interface OutboxRow { id: string; topic: string; message_key: string; headers: Record<string, string>; payload: string }

/**
 * Publishes the outbox in id order with an idempotent producer. One relay per schema is
 * active at a time (a transaction-scoped advisory lock), so replicas never interleave
 * and reorder a key; the rest stand by. A crash between send and commit republishes the
 * batch: consumers deduplicate by event id.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly lockName: string;
  private readonly poller: Poller;
  published = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly producer: Producer,
    private readonly options: RelayOptions = {},
  ) {
    this.table = `${assertIdentifier(schema)}.outbox`;
    this.lockName = `vigil-outbox:${schema}`;
    const idle = options.idlePollMs ?? 250;
    this.poller = new Poller(() => this.pass(), {
      idleMs: idle,
      failureWait: (failures) => Math.min(options.maxBackoffMs ?? 5_000, idle * 2 ** Math.min(failures, 5)),
      onError: (error, _lane, failures) => options.log?.('warn', 'outbox relay failed; will retry', { schema, error: error.message, attempt: failures }),
    });
  }

  start(): void {
    this.poller.start();
  }

  /** Publish now rather than at the next poll (called after a local commit). */
  kick(): void {
    this.poller.kick();
  }

  /** Finishes the batch in flight, then stops. */
  async stop(): Promise<void> {
    await this.poller.stop();
  }

  get healthy(): boolean {
    return this.poller.failures < 3;
  }

  get error(): string | undefined {
    return this.poller.lastError?.message;
  }

  /** Events committed and not yet on Kafka. */
  async backlog(): Promise<number> {
    const [row] = await this.dataSource.query(`select count(*)::int as n from ${this.table}`);
    return row.n as number;
  }

  /** Seconds the oldest unpublished event has waited; 0 when the outbox is empty. */
  async lagSeconds(): Promise<number> {
    const [row] = await this.dataSource.query(`select coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as s from ${this.table}`);
    return row.s as number;
  }

  /**
   * One pass: takes up to a batch off the outbox, sends it and commits, so the rows leave
   * the outbox exactly when Kafka has acknowledged them. If the send fails the transaction
   * rolls back and the rows are still there; if the process dies after the send and before
   * the commit, the batch goes again and consumers drop the repeats by event id.
   */
  async publishBatch(): Promise<number> {
    const batchSize = this.options.batchSize ?? 1_000;
    return this.dataSource.transaction(async (m) => {
      const [{ locked }] = await m.query('select pg_try_advisory_xact_lock(hashtext($1)) as locked', [this.lockName]);
      if (!locked) return 0;
      // Structured, because TypeORM answers a bare `delete … returning` with [rows, count].
      const { records } = await m.queryRunner!.query(
        `delete from ${this.table} where id in (select id from ${this.table} order by id limit $1)
         returning id, topic, message_key, headers, payload::text as payload`,
        [batchSize],
        true,
      );
      const rows = records as OutboxRow[];
      if (rows.length === 0) return 0;
      // `returning` promises no order; Kafka must get them in outbox order.
      rows.sort((a, b) => compareIds(a.id, b.id));
      const byTopic = new Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>();
      for (const row of rows) {
        const list = byTopic.get(row.topic) ?? [];
        list.push({ key: row.message_key, value: row.payload, headers: row.headers });
        byTopic.set(row.topic, list);
      }
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      return rows.length;
    });
  }

  /** One pass of the poll loop: a batch that published something is followed by another at once. */
  private async pass(): Promise<boolean> {
    const count = await this.publishBatch();
    if (this.poller.failures > 0) this.options.log?.('info', 'outbox relay recovered', { schema: this.schema });
    if (count === 0) return false;
    this.published += count;
    this.options.onPublished?.(count);
    return true;
  }
}

/** Two bigint ids as pg returns them (decimal strings), numerically. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
