import { KafkaJSNonRetriableError, KafkaJSProtocolError, type Admin } from 'kafkajs';
import { isRetriable, topicOffsets } from './kafka';

// What a partition answers for a moment after it was created or its leader moved; kafkajs marks it retriable.
const notLeader = () => new KafkaJSProtocolError('This server is not the leader for that topic-partition');

function adminFailing(failures: Array<() => Error>): { admin: Admin; calls: () => number } {
  let calls = 0;
  const admin = {
    fetchTopicOffsets: async () => {
      const failure = failures[calls++];
      if (failure) throw failure();
      return [{ partition: 0, offset: '7', high: '7', low: '0' }];
    },
  } as unknown as Admin;
  return { admin, calls: () => calls };
}

describe('topicOffsets', () => {
  it('asks again while a partition has no serving leader yet', async () => {
    const { admin, calls } = adminFailing([notLeader, notLeader]);
    await expect(topicOffsets(admin, 'vigil.alarm-events.v1')).resolves.toEqual([{ partition: 0, offset: '7', high: '7', low: '0' }]);
    expect(calls()).toBe(3);
  });

  it('gives up at once on an error that asking again cannot mend', async () => {
    const { admin, calls } = adminFailing([() => new KafkaJSNonRetriableError('Invalid topic')]);
    await expect(topicOffsets(admin, 'vigil.alarm-events.v1')).rejects.toThrow('Invalid topic');
    expect(calls()).toBe(1);
  });

  it('gives up on a retriable error once its time is spent', async () => {
    const { admin } = adminFailing(Array.from({ length: 100 }, () => notLeader));
    await expect(topicOffsets(admin, 'vigil.alarm-events.v1', 300)).rejects.toThrow('not the leader');
  });
});

describe('isRetriable', () => {
  it('follows what kafkajs marks as retriable', () => {
    expect(isRetriable(notLeader())).toBe(true);
    expect(isRetriable(new KafkaJSNonRetriableError('no'))).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
  });
});
