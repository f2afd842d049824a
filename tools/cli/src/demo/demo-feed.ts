import type { Severity } from '@vigil/contracts';

export interface FeedAlarm {
  alarmId: string;
  serviceId: string;
  severity: Severity;
  summary: string;
  /** Minutes before now the alarm was raised, and (if it has cleared) cleared. */
  raisedMinutesAgo: number;
  clearedMinutesAgo?: number;
}

/**
 * A short, realistic day of ACME's checkout: a database failover, a flapping search
 * node, a minor disk warning that counts toward no availability SLA, and an outage
 * still going on.
 */
export const DemoFeed: FeedAlarm[] = [
  { alarmId: 'checkout-db-failover', serviceId: 'checkout-api', severity: 'critical', summary: 'Primary database failover', raisedMinutesAgo: 26 * 60, clearedMinutesAgo: 26 * 60 - 42 },
  { alarmId: 'checkout-5xx-spike', serviceId: 'checkout-api', severity: 'major', summary: 'HTTP 5xx above 5 % for 10 minutes', raisedMinutesAgo: 26 * 60 - 30, clearedMinutesAgo: 26 * 60 - 55 },
  { alarmId: 'search-node-3-down', serviceId: 'search-api', severity: 'major', summary: 'search-3 not answering health checks', raisedMinutesAgo: 9 * 60, clearedMinutesAgo: 9 * 60 - 18 },
  { alarmId: 'checkout-disk-80', serviceId: 'checkout-api', severity: 'warning', summary: 'Disk usage above 80 % on db-2', raisedMinutesAgo: 5 * 60, clearedMinutesAgo: 4 * 60 },
  { alarmId: 'checkout-payments-timeouts', serviceId: 'checkout-api', severity: 'critical', summary: 'Payment provider timeouts', raisedMinutesAgo: 7 },
];

export function feedRequests(feed: FeedAlarm[], now: Date): Array<Record<string, unknown>> {
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
  const changes = feed.flatMap((alarm) => {
    const base = { alarmId: alarm.alarmId, serviceId: alarm.serviceId, severity: alarm.severity, summary: alarm.summary, source: 'vigil-demo', labels: { team: 'payments' } };
    const raise = { ...base, status: 'raised', occurredAt: at(alarm.raisedMinutesAgo), minutesAgo: alarm.raisedMinutesAgo };
    if (alarm.clearedMinutesAgo === undefined) return [raise];
    return [raise, { ...base, status: 'cleared', occurredAt: at(alarm.clearedMinutesAgo), minutesAgo: alarm.clearedMinutesAgo }];
  });
  // In the order a monitor would have sent them.
  return changes.sort((a, b) => b.minutesAgo - a.minutesAgo).map(({ minutesAgo: _, ...change }) => change);
}
