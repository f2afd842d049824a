import type { Escalation } from '../domain/escalation.decider';
import type { TimelineEntry } from './escalation.store';

/** An escalation as the HTTP API answers it. */
export interface EscalationView {
  id: string;
  /** open, acknowledged or resolved: what `?state=` filters on. */
  state: Escalation['status'];
  policy: string;
  alarm: Escalation['alarm'];
  /** The most urgent trigger so far and the event that brought it. */
  urgency: Escalation['reason']['trigger'];
  reason: { trigger: Escalation['reason']['trigger']; eventId: string; detail?: string };
  openedAt: string;
  lastLevel: { round: number; level: number; at: string } | null;
  nextLevel: { round: number; level: number; dueAt: string } | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  timeline: TimelineEntry[];
}

export function escalationView(e: Escalation, timeline: TimelineEntry[]): EscalationView {
  return {
    id: e.id,
    state: e.status,
    policy: e.policy.name,
    alarm: e.alarm,
    urgency: e.reason.trigger,
    reason: { trigger: e.reason.trigger, eventId: e.reason.eventId, ...(e.reason.detail !== undefined ? { detail: e.reason.detail } : {}) },
    openedAt: e.openedAt.toISOString(),
    lastLevel: e.lastTriggered ? { round: e.lastTriggered.round, level: e.lastTriggered.level, at: e.lastTriggered.at.toISOString() } : null,
    nextLevel: e.next ? { round: e.next.round, level: e.next.level, dueAt: e.next.dueAt.toISOString() } : null,
    acknowledgedAt: e.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: e.acknowledgedBy ?? null,
    resolvedAt: e.resolvedAt?.toISOString() ?? null,
    timeline,
  };
}
