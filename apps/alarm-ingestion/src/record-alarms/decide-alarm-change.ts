import { assertNever, type AlarmAcknowledgedData, type AlarmClearedData, type AlarmRaisedData, type AlarmSeverityChangedData, type AnyEvent, type Resolution, type Severity } from '@vigil/contracts';
import type { AlarmResult } from './alarm-change.dto';

/** What the store knows of an alarm: the projection of its stream. */
export interface AlarmState {
  status: 'active' | 'cleared';
  serviceId: string;
  severity: Severity;
  summary: string;
  source: string;
  labels: Record<string, string>;
  raisedAt: string;
  clearedAt?: string;
  acknowledgedAt?: string;
  raisedEventId: string;
  clearedEventId?: string;
  version: number;
}

/** One change of one alarm, whatever format it arrived in. */
export interface AlarmChange {
  alarmKey: string;
  serviceId: string;
  severity: Severity;
  status: 'raised' | 'cleared' | 'acknowledged';
  summary: string;
  source: string;
  labels: Record<string, string>;
  /** Source time of the change, ISO 8601 in UTC. */
  occurredAt: string;
  resolution?: Resolution;
  acknowledgedBy?: string;
}

type Recorded<T extends string, D> = { result: 'recorded'; type: T; data: D; reason?: string };

export type Decision =
  | { result: Exclude<AlarmResult, 'recorded'>; reason: string }
  | Recorded<'alarm-raised', AlarmRaisedData>
  | Recorded<'alarm-severity-changed', AlarmSeverityChangedData>
  | Recorded<'alarm-acknowledged', AlarmAcknowledgedData>
  | Recorded<'alarm-cleared', AlarmClearedData>;

const before = (a: string, b: string) => Date.parse(a) < Date.parse(b);

/**
 * decide(state, change) → the event to record, if any, and why. Monitors repeat
 * themselves (a raise of an active alarm is a duplicate) and arrive late: a change whose
 * source time is older than what is recorded corrects history where it can (an earlier
 * start of the active outage, an earlier end of the last one) and is otherwise ignored
 * with the reason, never an error.
 */
export function decideAlarmChange(state: AlarmState | undefined, change: AlarmChange): Decision {
  switch (change.status) {
    case 'raised':
      return decideRaise(state, change);
    case 'cleared':
      return decideClear(state, change);
    case 'acknowledged':
      return decideAcknowledge(state, change);
  }
}

function decideRaise(state: AlarmState | undefined, change: AlarmChange): Decision {
  const raised = (extra: Partial<AlarmRaisedData> = {}): AlarmRaisedData => ({
    alarmKey: change.alarmKey, serviceId: change.serviceId, severity: change.severity, summary: change.summary,
    source: change.source, labels: change.labels, raisedAt: change.occurredAt, ...extra,
  });
  if (!state) return { result: 'recorded', type: 'alarm-raised', data: raised() };
  if (state.status === 'cleared') {
    if (state.clearedAt && before(change.occurredAt, state.clearedAt)) {
      return { result: 'duplicate', reason: 'the raise is older than the end of the last outage of this alarm' };
    }
    return { result: 'recorded', type: 'alarm-raised', data: raised() };
  }
  if (change.severity !== state.severity) {
    return {
      result: 'recorded', type: 'alarm-severity-changed', reason: `severity ${state.severity} → ${change.severity}`,
      data: {
        alarmKey: change.alarmKey, serviceId: state.serviceId, severity: change.severity, summary: change.summary || state.summary,
        previousSeverity: state.severity, changedAt: change.occurredAt, raisedAt: state.raisedAt,
      },
    };
  }
  if (before(change.occurredAt, state.raisedAt)) {
    return {
      result: 'recorded', type: 'alarm-raised', reason: 'a late raise: corrects the start of the active outage',
      data: raised({ serviceId: state.serviceId, summary: change.summary || state.summary, corrects: state.raisedEventId }),
    };
  }
  return { result: 'duplicate', reason: 'the alarm is already active' };
}

function decideClear(state: AlarmState | undefined, change: AlarmChange): Decision {
  if (!state) return { result: 'ignored', reason: 'the alarm is not known' };
  const cleared = (extra: Partial<AlarmClearedData> = {}): AlarmClearedData => ({
    alarmKey: change.alarmKey,
    // A clear describes the alarm that was raised: its service and severity stand.
    serviceId: state.serviceId,
    severity: state.severity,
    summary: change.summary || state.summary,
    resolution: change.resolution ?? 'resolved',
    raisedAt: state.raisedAt,
    clearedAt: change.occurredAt,
    ...extra,
  });
  if (before(change.occurredAt, state.raisedAt)) return { result: 'ignored', reason: 'the clear is older than the raise of the recorded outage' };
  if (state.status === 'active') return { result: 'recorded', type: 'alarm-cleared', data: cleared() };
  if (state.clearedAt && before(change.occurredAt, state.clearedAt)) {
    return { result: 'recorded', type: 'alarm-cleared', reason: 'a late clear: corrects the end of the last outage', data: cleared({ corrects: state.clearedEventId }) };
  }
  return { result: 'ignored', reason: 'the alarm is already cleared' };
}

function decideAcknowledge(state: AlarmState | undefined, change: AlarmChange): Decision {
  if (!state || state.status === 'cleared') return { result: 'ignored', reason: 'the alarm is not active' };
  if (state.acknowledgedAt !== undefined) return { result: 'duplicate', reason: 'the alarm is already acknowledged' };
  return {
    result: 'recorded', type: 'alarm-acknowledged',
    data: {
      alarmKey: change.alarmKey, serviceId: state.serviceId, severity: state.severity, summary: state.summary,
      acknowledgedAt: change.occurredAt, ...(change.acknowledgedBy ? { acknowledgedBy: change.acknowledgedBy } : {}),
    },
  };
}

export type AlarmEvent = Extract<AnyEvent, { type: 'alarm-raised' | 'alarm-severity-changed' | 'alarm-acknowledged' | 'alarm-cleared' }>;

/** evolve(state, event) → the alarm's state after the event: the projection, as a pure function. */
export function evolveAlarm(state: AlarmState | undefined, event: AlarmEvent): AlarmState {
  const version = event.sequence;
  switch (event.type) {
    case 'alarm-raised': {
      const d = event.data;
      const correction = d.corrects !== undefined && state !== undefined;
      return {
        status: 'active', serviceId: d.serviceId, severity: d.severity, summary: d.summary, source: d.source, labels: d.labels,
        raisedAt: d.raisedAt, acknowledgedAt: correction ? state.acknowledgedAt : undefined, raisedEventId: event.id, version,
      };
    }
    case 'alarm-severity-changed':
      return { ...requireState(state, event), severity: event.data.severity, summary: event.data.summary, version };
    case 'alarm-acknowledged':
      return { ...requireState(state, event), acknowledgedAt: event.data.acknowledgedAt, version };
    case 'alarm-cleared':
      return { ...requireState(state, event), status: 'cleared', clearedAt: event.data.clearedAt, clearedEventId: event.id, version };
    default:
      return assertNever(event);
  }
}

function requireState(state: AlarmState | undefined, event: AlarmEvent): AlarmState {
  if (!state) throw new Error(`${event.type} of ${event.subject} without a raise before it`);
  return state;
}
