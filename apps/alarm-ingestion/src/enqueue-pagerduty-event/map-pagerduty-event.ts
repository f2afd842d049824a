import type { Severity } from '@vigil/contracts';
import type { FieldProblem } from '@vigil/platform-nest';
import type { AlarmChange } from '../record-alarms/decide-alarm-change';
import type { PagerDutyEvent, PagerDutySeverity } from './pagerduty-event.dto';

const FUTURE_TOLERANCE_MS = 5 * 60_000;
const MAX_SERVICE_ID = 256;

/** PagerDuty's four severities onto Vigil's five (PagerDuty has no `minor`). */
export const SeverityFromPagerDuty: Record<PagerDutySeverity, Severity> = {
  critical: 'critical',
  error: 'major',
  warning: 'warning',
  info: 'info',
};

/** What the DTO's rules cannot say: a timestamp not in the future, a service id that fits. */
export function pagerDutyProblems(event: PagerDutyEvent, now: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const timestamp = event.payload?.timestamp;
  if (timestamp !== undefined) {
    const at = Date.parse(timestamp);
    if (Number.isNaN(at)) problems.push({ field: 'payload.timestamp', rule: 'isISO8601', message: 'must be an ISO 8601 time' });
    else if (at > now + FUTURE_TOLERANCE_MS) problems.push({ field: 'payload.timestamp', rule: 'notInFuture', message: 'must not be in the future' });
  }
  const service = serviceOf(event);
  if (service && service.value.length > MAX_SERVICE_ID) {
    problems.push({ field: `payload.${service.field}`, rule: 'maxLength', message: `names the service: at most ${MAX_SERVICE_ID} characters` });
  }
  return problems;
}

function serviceOf(event: PagerDutyEvent): { field: 'component' | 'source'; value: string } | undefined {
  if (event.payload?.component) return { field: 'component', value: event.payload.component };
  if (event.payload?.source) return { field: 'source', value: event.payload.source };
  return undefined;
}

/**
 * One Events API v2 event → one alarm change. `dedup_key` is the alarm key (a trigger
 * without one gets a fresh key, as PagerDuty does: every such trigger is a new alert);
 * the service is `payload.component`, else `payload.source`; `payload.timestamp` is the
 * source time (default: when Vigil received it). Acknowledge and resolve describe the
 * alarm that was triggered: what they lack, the recorded alarm supplies.
 */
export function mapPagerDutyEvent(event: PagerDutyEvent, receivedAt: string, newDedupKey: () => string): { dedupKey: string; change: AlarmChange } {
  const payload = event.payload;
  const dedupKey = event.dedup_key ?? newDedupKey();
  const labels: Record<string, string> = {};
  for (const key of ['source', 'component', 'group', 'class'] as const) {
    if (payload?.[key]) labels[key] = payload[key]!;
  }
  const base = {
    alarmKey: dedupKey,
    serviceId: serviceOf(event)?.value ?? '',
    severity: payload?.severity ? SeverityFromPagerDuty[payload.severity] : 'info',
    summary: payload?.summary ?? '',
    source: 'pagerduty',
    labels,
    occurredAt: new Date(payload?.timestamp ?? receivedAt).toISOString(),
  } satisfies Omit<AlarmChange, 'status'>;
  switch (event.event_action) {
    case 'trigger':
      return { dedupKey, change: { ...base, status: 'raised' } };
    case 'acknowledge':
      return { dedupKey, change: { ...base, status: 'acknowledged' } };
    case 'resolve':
      return { dedupKey, change: { ...base, status: 'cleared', resolution: 'resolved' } };
  }
}
