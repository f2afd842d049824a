import { Topics } from '@vigil/contracts';
import type { RetentionRule } from '@vigil/persistence';
import type { RetentionWindows } from '@vigil/platform-nest';
import { ClientKey, InboundOffsetKey } from '../migrations/1764100001000-idempotency-key-retention.migration';

/** The ledger name of the inbound consumer's offsets: its checkpoints are kept under it, whatever its group id. */
export const InboundLedger = 'inbound-alarms';

/**
 * `ingestion.idempotency_keys` holds two kinds of key (ADR 0028). A client's key answers its
 * retries with the stored response for RETENTION_IDEMPOTENCY_KEYS_WINDOW, as payment APIs keep
 * theirs for a day. A key the inbound consumer recorded stands for a Kafka offset: a message is
 * read again long after it was recorded when the group lost its offsets, so those keys age out as
 * a ledger does, below their partition's checkpoint, which the consumer also checks.
 */
export function idempotencyKeyRetentionRules(windows: RetentionWindows): RetentionRule[] {
  return [
    {
      name: 'client-idempotency-keys',
      table: 'ingestion.idempotency_keys',
      windowMs: windows.idempotencyKeysMs,
      age: { predicate: `created_at < $1 and ${ClientKey}` },
    },
    {
      name: 'inbound-offset-keys',
      table: 'ingestion.idempotency_keys',
      checkpoints: 'ingestion.processed_checkpoints',
      windowMs: windows.ledgerMs,
      consumer: { value: InboundLedger },
      topic: { value: Topics.alarmsInbound },
      partition: { expression: `(split_part(t.key, '/', 3))::int` },
      offset: `(split_part(t.key, '/', 4))::bigint`,
      processedAt: 'created_at',
      where: InboundOffsetKey,
    },
  ];
}
