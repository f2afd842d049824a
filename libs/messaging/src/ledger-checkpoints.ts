import type { EntityManager } from 'typeorm';
import { assertIdentifier, preparedQuery, type CheckpointedRule } from '@vigil/persistence';

/**
 * How far a producer's clock (a message's timestamp) may run ahead of the database's (a ledger
 * row's `processed_at`). A checkpoint covers the messages up to its offset produced by its time
 * plus this: every message it was taken over, and none of a topic created again since.
 */
export const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

/** Where a message sits in Kafka, as a consumer's ledger knows it. */
export interface LedgerPosition {
  /** The ledger's name for the consumer (not its group id, which may change). */
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
  /** The message's timestamp, milliseconds as kafkajs gives it. */
  timestamp: string;
}

/** The earliest `processed_at` a checkpoint may have and still cover a message of this timestamp. */
export function coveredSince(timestamp: string): string {
  const ms = Number(timestamp);
  return new Date((Number.isFinite(ms) ? ms : 0) - CLOCK_SKEW_MARGIN_MS).toISOString();
}

/**
 * Whether the message is at or below its partition's checkpoint: applied before, its ledger row
 * since gone. A redelivery can be that old when a consumer group lost its committed offsets
 * (Kafka expires them for a group that has been empty longer than `offsets.retention.minutes`)
 * and reads its topics, which keep everything, from the start again.
 */
export async function isBelowCheckpoint(manager: EntityManager, schema: string, position: LedgerPosition): Promise<boolean> {
  const rows = await preparedQuery(manager,
    `select 1 from ${assertIdentifier(schema)}.processed_checkpoints
     where consumer = $1 and topic = $2 and partition = $3 and "offset" >= $4::bigint and processed_at >= $5::timestamptz`,
    [position.consumer, position.topic, position.partition, position.offset, coveredSince(position.timestamp)],
  );
  return rows.length > 0;
}

/**
 * The processed-event ledger of a schema ages out below its partitions' checkpoints (ADR 0028):
 * a row goes once it is older than `windowMs` and a checkpoint covers it, so an event comes
 * again either within the window (its id is still there) or below a checkpoint (skipped by offset).
 */
export function ledgerRetentionRule(schema: string, windowMs: number): CheckpointedRule {
  const s = assertIdentifier(schema);
  return {
    name: 'processed-events',
    table: `${s}.processed_events`,
    checkpoints: `${s}.processed_checkpoints`,
    windowMs,
    consumer: { expression: 't.consumer' },
    topic: { expression: 't.topic' },
    partition: { expression: 't.partition' },
    offset: 't."offset"',
    processedAt: 'processed_at',
  };
}
