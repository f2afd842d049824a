import type { AlarmClearedData, AlarmRaisedData, Resolution, Severity } from '@vigil/contracts';
import type { AlarmResult } from './alarm-change.dto';

/** What the store knows of an alarm: the projection of its stream. */
export interface AlarmState {
  status: 'active' | 'cleared';
  serviceId: string;
  severity: Severity;
  summary: string;
  raisedAt: string;
  version: number;
}

export interface AlarmChange {
  alarmKey: string;
  serviceId: string;
  severity: Severity;
  status: 'raised' | 'cleared';
  summary: string;
  source: string;
  labels: Record<string, string>;
  occurredAt: string;
  resolution?: Resolution;
}

export type Decision =
  | { result: Exclude<AlarmResult, 'recorded'>; reason: string }
  | { result: 'recorded'; type: 'alarm-raised'; data: AlarmRaisedData }
  | { result: 'recorded'; type: 'alarm-cleared'; data: AlarmClearedData };

/**
 * decide(state, change) → the event to record, if any. A raise of an active alarm is a
 * duplicate (a monitor re-sending what it already said); a clear of an unknown or
 * cleared alarm is ignored, not an error.
 */
export function decideAlarmChange(state: AlarmState | undefined, change: AlarmChange): Decision {
  const ref = { alarmKey: change.alarmKey, serviceId: change.serviceId, severity: change.severity, summary: change.summary };
  if (change.status === 'raised') {
    if (state?.status === 'active') return { result: 'duplicate', reason: 'the alarm is already active' };
    return {
      result: 'recorded',
      type: 'alarm-raised',
      data: { ...ref, source: change.source, labels: change.labels, raisedAt: change.occurredAt },
    };
  }
  if (!state || state.status === 'cleared') return { result: 'ignored', reason: 'the alarm is not active' };
  return {
    result: 'recorded',
    type: 'alarm-cleared',
    data: {
      alarmKey: change.alarmKey,
      // A clear describes the alarm that was raised: its service and severity stand.
      serviceId: state.serviceId,
      severity: state.severity,
      summary: change.summary || state.summary,
      resolution: change.resolution ?? 'resolved',
      raisedAt: state.raisedAt,
      clearedAt: change.occurredAt,
    },
  };
}
