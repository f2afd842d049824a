import type { HttpAnswer, LoadRequest } from '../shared/http-load';
import { toRequests, type BenchAlert } from './bench-alerts';

/** One alarm change in Vigil's native format (`POST /api/v1/alarms`). */
export interface VigilAlarmChange {
  alarmId: string;
  serviceId: string;
  severity: string;
  status: 'raised';
  summary: string;
  source: string;
  labels: Record<string, string>;
  occurredAt: string;
}

export function toVigilAlarm(alert: BenchAlert): VigilAlarmChange {
  return {
    alarmId: alert.alarmId,
    serviceId: alert.serviceId,
    severity: alert.severity,
    status: 'raised',
    summary: alert.summary,
    source: alert.source,
    labels: alert.labels,
    occurredAt: alert.startsAt,
  };
}

/** Bodies for `POST /api/v1/alarms`: the change alone when `batchSize` is 1, else `{ "alarms": [...] }`. */
export function vigilRequests(alerts: readonly BenchAlert[], batchSize: number): LoadRequest[] {
  return toRequests(alerts, batchSize, (batch) => (batchSize === 1 ? toVigilAlarm(batch[0]) : { alarms: batch.map(toVigilAlarm) }));
}

/** How many alarms of a 202 were `recorded`; throws when any was not (a fresh tenant has no duplicates). */
export function recordedAlarms(answer: HttpAnswer, request: LoadRequest): number {
  const { results } = JSON.parse(answer.body) as { results?: Array<{ result?: string; reason?: string }> };
  if (!Array.isArray(results) || results.length !== request.events) {
    throw new Error(`expected ${request.events} results, got ${Array.isArray(results) ? results.length : 'none'}: ${answer.body.slice(0, 200)}`);
  }
  const recorded = results.filter((r) => r.result === 'recorded').length;
  if (recorded !== results.length) {
    const other = results.find((r) => r.result !== 'recorded');
    throw new Error(`${results.length - recorded} of ${results.length} alarms not recorded (e.g. ${other?.result}${other?.reason ? `: ${other.reason}` : ''})`);
  }
  return recorded;
}
