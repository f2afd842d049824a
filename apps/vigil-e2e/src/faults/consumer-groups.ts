import { Kafka, logLevel } from 'kafkajs';
import { ServiceNames } from '@vigil/contracts';
import { eventually } from '@vigil/testing';

/**
 * Deletes every consumer group of Vigil's services, and with them their committed
 * offsets: what the services meet when those offsets are lost (`offsets.retention.minutes`
 * ran out while a service was down, a cluster restored without `__consumer_offsets`).
 * They subscribe from the beginning, so every event is delivered to every consumer
 * again. The services must be stopped: Kafka refuses to delete a group with members.
 * Returns the deleted group ids.
 */
export async function forgetConsumerOffsets(brokers: string): Promise<string[]> {
  const admin = new Kafka({ clientId: 'faults-offsets', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => ServiceNames.some((name) => id.startsWith(`${name}.`))).sort();
    // A member that has just left may still be on the coordinator's books for a moment.
    await eventually('the consumer groups deleted', async () => {
      const left = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => ours.includes(id));
      if (left.length === 0) return true;
      // NON_EMPTY_GROUP for those still emptying: tried again on the next round.
      await admin.deleteGroups(left).catch(() => undefined);
      return false;
    }, 60_000, 500);
    return ours;
  } finally {
    await admin.disconnect();
  }
}
