import type { Severity } from '@vigil/contracts';
import type { FieldProblem } from '@vigil/platform-nest';
import type { AlarmResult } from '../record-alarms/alarm-change.dto';
import type { AlarmChange } from '../record-alarms/decide-alarm-change';
import type { AlarmOutcome } from '../record-alarms/record-alarms.handler';
import { isGoZeroTime, type AlertmanagerAlertDto, type AlertmanagerWebhookDto } from './alertmanager-webhook.dto';

/** Which labels carry the service and the severity (Tenant `spec.labelMapping`). */
export interface LabelMapping { service: string; severity: string }
export const DefaultLabelMapping: LabelMapping = { service: 'service', severity: 'severity' };

const FUTURE_TOLERANCE_MS = 5 * 60_000;
const MAX_SUMMARY = 1024;
const MAX_SERVICE_ID = 256;
/** When the service label is missing: Prometheus' scrape job usually names the service. */
const FALLBACK_SERVICE_LABEL = 'job';
const UNKNOWN_SERVICE = 'unknown';

/**
 * Severity label values seen in the wild, onto Vigil's five. Anything else becomes
 * `warning`, with a note in the result rather than a 400: Alertmanager does not retry a
 * 4xx, so refusing the group would lose every other alert in it.
 */
const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: 'critical', crit: 'critical', page: 'critical', fatal: 'critical', emergency: 'critical', disaster: 'critical', p1: 'critical',
  major: 'major', error: 'major', err: 'major', high: 'major', p2: 'major',
  minor: 'minor', low: 'minor', medium: 'minor', moderate: 'minor', p3: 'minor',
  warning: 'warning', warn: 'warning', p4: 'warning',
  info: 'info', informational: 'info', information: 'info', notice: 'info', none: 'info', p5: 'info',
};

export function mapSeverity(value: string | undefined, label: string): { severity: Severity; note?: string } {
  if (value === undefined || value.trim() === '') return { severity: 'warning', note: `no severity label "${label}": recorded as warning` };
  const severity = SEVERITY_ALIASES[value.trim().toLowerCase()];
  if (severity) return { severity };
  return { severity: 'warning', note: `severity "${value}" (label "${label}") is not one Vigil knows: recorded as warning` };
}

export const isUnknownTime = (value: string | undefined): boolean => value === undefined || isGoZeroTime(value);
const utc = (value: string): string => new Date(value).toISOString();

/**
 * What the DTO's rules cannot say: times Vigil can use (known, parseable, not in the
 * future, an end not before its start) and a service id that fits. Checked for the whole
 * payload before anything is recorded.
 */
export function alertmanagerProblems(payload: AlertmanagerWebhookDto, mapping: LabelMapping, now: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  payload.alerts.forEach((alert, i) => {
    const at = (field: string) => `alerts.${i}.${field}`;
    const starts = Date.parse(alert.startsAt);
    if (Number.isNaN(starts) || isUnknownTime(alert.startsAt)) {
      problems.push({ field: at('startsAt'), rule: 'knownTime', message: 'must be the time the alert started' });
    } else if (starts > now + FUTURE_TOLERANCE_MS) {
      problems.push({ field: at('startsAt'), rule: 'notInFuture', message: 'must not be in the future' });
    }
    if (alert.status === 'resolved' && !isUnknownTime(alert.endsAt)) {
      const ends = Date.parse(alert.endsAt!);
      if (Number.isNaN(ends)) problems.push({ field: at('endsAt'), rule: 'isISO8601', message: 'must be an RFC 3339 time' });
      else if (ends > now + FUTURE_TOLERANCE_MS) problems.push({ field: at('endsAt'), rule: 'notInFuture', message: 'must not be in the future' });
      else if (ends < starts) problems.push({ field: at('endsAt'), rule: 'notBeforeStartsAt', message: 'must not be before startsAt' });
    }
    const service = alert.labels[mapping.service];
    if (service !== undefined && service.length > MAX_SERVICE_ID) {
      problems.push({ field: at(`labels.${mapping.service}`), rule: 'maxLength', message: `the service label must be at most ${MAX_SERVICE_ID} characters` });
    }
  });
  return problems;
}

/** The alarm changes one alert stands for; the last one is the alert's own. */
export interface AlertPlan {
  alarmKey: string;
  status: 'firing' | 'resolved';
  changes: AlarmChange[];
  /** How the alert was read where it was not plain (severity, service, end time). */
  notes: string[];
}

/**
 * Alertmanager alerts → alarm changes. `fingerprint` is the alarm key; firing raises at
 * `startsAt`; resolved clears at `endsAt` and is preceded by a raise at `startsAt`, so an
 * alert Vigil first hears of resolved still leaves its outage behind (for an alarm Vigil
 * already has, that raise is a duplicate and records nothing). Re-sent groups are the
 * same changes again: duplicates.
 */
export function planAlertmanagerChanges(payload: AlertmanagerWebhookDto, mapping: LabelMapping, receivedAt: string): AlertPlan[] {
  return payload.alerts.map((alert) => planAlert(alert, mapping, receivedAt));
}

function planAlert(alert: AlertmanagerAlertDto, mapping: LabelMapping, receivedAt: string): AlertPlan {
  const notes: string[] = [];
  const { severity, note } = mapSeverity(alert.labels[mapping.severity], mapping.severity);
  if (note) notes.push(note);
  const serviceId = serviceOf(alert.labels, mapping, notes);
  const annotations = alert.annotations ?? {};
  const summary = (annotations.summary || annotations.description || alert.labels.alertname || alert.fingerprint).slice(0, MAX_SUMMARY);
  const raise: AlarmChange = {
    alarmKey: alert.fingerprint, serviceId, severity, status: 'raised', summary, source: 'alertmanager', labels: { ...alert.labels },
    occurredAt: utc(alert.startsAt),
  };
  if (alert.status === 'firing') return { alarmKey: alert.fingerprint, status: 'firing', changes: [raise], notes };
  let clearedAt: string;
  if (isUnknownTime(alert.endsAt)) {
    notes.push('endsAt unknown: cleared at the time Vigil received the notification');
    clearedAt = Date.parse(receivedAt) < Date.parse(raise.occurredAt) ? raise.occurredAt : utc(receivedAt);
  } else {
    clearedAt = utc(alert.endsAt!);
  }
  return {
    alarmKey: alert.fingerprint, status: 'resolved', notes,
    changes: [raise, { ...raise, status: 'cleared', resolution: 'resolved', occurredAt: clearedAt }],
  };
}

function serviceOf(labels: Record<string, string>, mapping: LabelMapping, notes: string[]): string {
  const mapped = labels[mapping.service];
  if (mapped) return mapped;
  const fallback = labels[FALLBACK_SERVICE_LABEL];
  if (fallback) {
    notes.push(`no service label "${mapping.service}": service taken from label "${FALLBACK_SERVICE_LABEL}"`);
    return fallback.slice(0, MAX_SERVICE_ID);
  }
  notes.push(`no service label "${mapping.service}" nor "${FALLBACK_SERVICE_LABEL}": recorded for service "${UNKNOWN_SERVICE}"`);
  return UNKNOWN_SERVICE;
}

export interface AlertOutcome {
  alarmId: string;
  status: 'firing' | 'resolved';
  result: AlarmResult;
  eventId?: string;
  type?: string;
  reason?: string;
  /** Every event this alert recorded (a resolved alert Vigil had not seen firing records two). */
  events: Array<{ eventId: string; type: string }>;
}

/** Folds the outcomes of an alert's changes (in plan order) into the alert's result. */
export function alertOutcome(plan: AlertPlan, outcomes: AlarmOutcome[]): AlertOutcome {
  const own = outcomes[outcomes.length - 1];
  const before = outcomes.slice(0, -1).filter((o) => o.result === 'recorded');
  const reasons = [
    own.reason,
    ...before.map((o) => (o.type === 'alarm-raised' && !o.reason
      ? 'Vigil had not seen this alert firing: recorded its raise at startsAt first'
      : `recorded ${o.type} from startsAt first${o.reason ? ` (${o.reason})` : ''}`)),
    ...plan.notes,
  ].filter((r): r is string => Boolean(r));
  return {
    alarmId: plan.alarmKey,
    status: plan.status,
    result: own.result,
    ...(own.eventId ? { eventId: own.eventId, type: own.type } : {}),
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
    events: outcomes.filter((o) => o.result === 'recorded' && o.eventId).map((o) => ({ eventId: o.eventId!, type: o.type! })),
  };
}
