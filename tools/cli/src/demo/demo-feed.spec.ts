import { DemoFeed, feedRequests } from './demo-feed';

describe('the demo feed', () => {
  const now = new Date('2026-11-03T12:00:00Z');

  it('sends every raise before its clear, oldest first', () => {
    const requests = feedRequests(DemoFeed, now);
    const times = requests.map((r) => Date.parse(r.occurredAt as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const alarm of DemoFeed) {
      const mine = requests.filter((r) => r.alarmId === alarm.alarmId).map((r) => r.status);
      expect(mine).toEqual(alarm.clearedMinutesAgo === undefined ? ['raised'] : ['raised', 'cleared']);
    }
  });

  it('leaves one outage open', () => {
    const requests = feedRequests(DemoFeed, now);
    const open = DemoFeed.filter((a) => requests.filter((r) => r.alarmId === a.alarmId).length === 1);
    expect(open.map((a) => a.alarmId)).toEqual(['checkout-payments-timeouts']);
  });
});
