import type { Kafka } from 'kafkajs';
import { Topics } from '@vigil/contracts';
import { BenchDatabase } from '../shared/bench-database';
import { startVigilService, type RunningService, type ServiceSettings } from '../shared/vigil-service';

/**
 * The bench's instance reads `vigil.alarms.inbound.v1` in a group of its own: in the
 * default group it would take messages meant for a dev stack or the tests on the same broker.
 */
export const BenchInboundGroup = `alarm-ingestion.inbound-alarms.${BenchDatabase}`;

/**
 * Moves the bench's inbound group to the end of the topic, so the instance does not spend
 * the run replaying what others published there since the last bench (it reads from the
 * beginning when its group has no offsets).
 */
export async function skipInboundBacklog(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(Topics.alarmsInbound)) return;
    await admin.resetOffsets({ groupId: BenchInboundGroup, topic: Topics.alarmsInbound, earliest: false });
  } finally {
    await admin.disconnect();
  }
}

export type IngestionSettings = ServiceSettings;
export type RunningIngestion = RunningService;

/**
 * `alarm-ingestion` from dist/ on a free port of 127.0.0.1. The tenant rate limit is
 * lifted: the bench measures capacity, not the protection in front of it.
 */
export function startIngestion(settings: IngestionSettings): Promise<RunningIngestion> {
  return startVigilService('alarm-ingestion', settings, {
    INGESTION_TENANT_RATE_PER_S: '10000000',
    INGESTION_TENANT_BURST: '10000000',
    INGESTION_INBOUND_CONSUMER_GROUP: BenchInboundGroup,
  });
}
