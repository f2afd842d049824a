import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessagingService } from '@vigil/platform-nest';
import { ReadModelTopics } from '../read-model/read-model.consumer';
import { highWatermarks, ReadModelReplay } from './read-model-replay';
import { createShadowSchema, LiveSchema, readModelTables, ShadowSchema, swapIn } from './shadow-schema';

export interface RebuildResult {
  projection: 'reporting';
  tables: string[];
  /** Events read from the topics (duplicates included) and events skipped as unreadable or invalid. */
  events: number;
  skipped: number;
  durationMs: number;
}

const CatchUpTimeoutMs = 30_000;
const ReplayTimeoutMs = 30 * 60_000;

/**
 * `vigil projections rebuild reporting`: replays every event from offset zero into fresh tables
 * and swaps them in. The live read model keeps answering meanwhile. For the swap, one transaction
 * locks the live ledger (the live consumer can apply nothing more), waits for the replay to reach
 * the end of the log as it is then (so it holds everything the live consumer applied), and puts
 * the new tables and their ledger in place; the live consumer then goes on, skipping what the
 * replay already applied. Every tenant's restatement version moves, so no cached answer survives.
 */
@Injectable()
export class RebuildReadModelService {
  private readonly logger = new Logger(RebuildReadModelService.name);
  private running = false;

  constructor(private readonly dataSource: DataSource, private readonly messaging: MessagingService) {}

  async rebuild(): Promise<RebuildResult> {
    if (this.running) throw new ConflictException('a rebuild of the reporting projection is already running');
    this.running = true;
    const started = Date.now();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // One rebuild at a time across replicas as well.
      const [{ locked }] = await runner.query(`select pg_try_advisory_lock(hashtext('vigil-rebuild:reporting')) as locked`);
      if (!locked) throw new ConflictException('a rebuild of the reporting projection is already running');
      try {
        return await this.rebuildLocked(started);
      } finally {
        await runner.query(`select pg_advisory_unlock(hashtext('vigil-rebuild:reporting'))`).catch(() => undefined);
      }
    } finally {
      await runner.release();
      this.running = false;
    }
  }

  private async rebuildLocked(started: number): Promise<RebuildResult> {
    const tables = await readModelTables(this.dataSource);
    await createShadowSchema(this.dataSource, tables);
    const replay = new ReadModelReplay(this.messaging.kafka, this.dataSource, [...ReadModelTopics]);
    let stopped = false;
    try {
      const start = await highWatermarks(this.messaging.kafka, [...ReadModelTopics]);
      await replay.start();
      await replay.waitUntilReached(start, ReplayTimeoutMs);
      this.logger.log({ msg: 'replay reached the log end it started at; swapping', events: replay.applied });
      await this.dataSource.transaction(async (manager) => {
        await manager.query(`set local statement_timeout = '120s'`);
        await manager.query(`lock table ${LiveSchema}.processed_events in exclusive mode`);
        const end = await highWatermarks(this.messaging.kafka, [...ReadModelTopics]);
        await replay.waitUntilReached(end, CatchUpTimeoutMs);
        await replay.stop();
        stopped = true;
        await swapIn(manager, tables);
        await manager.query(`delete from ${LiveSchema}.processed_events where consumer = 'read-model'`);
        await manager.query(`insert into ${LiveSchema}.processed_events select * from ${ShadowSchema}.processed_events`);
        await manager.query(
          `insert into ${LiveSchema}.restatements as r (tenant_id, version)
           select tenant_id, 1 from (
             select tenant_id from ${LiveSchema}.incidents union select tenant_id from ${LiveSchema}.breaches
             union select tenant_id from ${LiveSchema}.tenants union select tenant_id from ${LiveSchema}.availability_targets
             union select tenant_id from ${LiveSchema}.maintenance_windows union select tenant_id from ${LiveSchema}.credit_schedules
             union select tenant_id from ${LiveSchema}.restatements) t
           on conflict (tenant_id) do update set version = r.version + 1, restated_at = now()`,
        );
      });
      await this.dataSource.query(`drop schema if exists ${ShadowSchema} cascade`);
      const result: RebuildResult = { projection: 'reporting', tables, events: replay.applied, skipped: replay.skipped, durationMs: Date.now() - started };
      this.logger.log({ msg: 'reporting projection rebuilt', ...result });
      return result;
    } finally {
      if (!stopped) await replay.stop().catch(() => undefined);
    }
  }
}
