import { parseDuration, selectsService, type EscalationPolicySpec, type EscalationTrigger, type Severity } from '@vigil/contracts';

/** An EscalationPolicy as applied with `vigil apply`: its name and spec. */
export interface PolicyDocument {
  name: string;
  spec: EscalationPolicySpec;
}

/** What a trigger event says about the alarm it concerns, as far as matching needs. */
export interface TriggerSubject {
  trigger: EscalationTrigger;
  serviceId: string;
  severity: Severity;
  /** The alarm's labels; `undefined` when not known (an SLA event about an alarm this service never saw). */
  labels: Record<string, string> | undefined;
}

/**
 * Whether a policy pages for this trigger: the trigger is listed in `on`, and every
 * given `match` criterion holds — severity listed, service listed (or `*`), and every
 * label present with the same value. A policy that asks for labels never matches an
 * alarm whose labels are unknown.
 */
export function policyMatches(policy: PolicyDocument, subject: TriggerSubject): boolean {
  const { on, match } = policy.spec;
  if (!on.includes(subject.trigger)) return false;
  if (match?.severities && !match.severities.includes(subject.severity)) return false;
  if (!selectsService(match?.services, subject.serviceId)) return false;
  const wanted = Object.entries(match?.labels ?? {});
  if (wanted.length === 0) return true;
  if (!subject.labels) return false;
  return wanted.every(([key, value]) => subject.labels![key] === value);
}

/**
 * The one policy that opens an escalation: one escalation per alarm, so when several
 * policies match, the first by name wins (deterministic, and visible in `vigil get`).
 */
export function choosePolicy(policies: readonly PolicyDocument[], subject: TriggerSubject): PolicyDocument | undefined {
  return [...policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).find((p) => policyMatches(p, subject));
}

/** A level waiting to fire: which round and level, when its round started, when it is due. */
export interface Step {
  round: number;
  level: number;
  roundStartedAt: Date;
  dueAt: Date;
}

/**
 * Each level's offset from the start of its round, in ms. A level never fires before
 * the one above it: an `after` smaller than an earlier level's counts as that level's.
 */
export function levelOffsetsMs(spec: EscalationPolicySpec): number[] {
  let previous = 0;
  return spec.levels.map((level, index) => {
    const ms = parseDuration(level.after);
    if (ms === undefined) throw new Error(`levels[${index}].after: ${level.after} is not a duration`);
    previous = Math.max(previous, ms);
    return previous;
  });
}

/**
 * The schedule of an escalation (rounds and levels numbered from 0):
 *
 * - Round 0 starts when the escalation opens. Level `i` of round `r` is due at
 *   `start(r) + levels[i].after`; a level is scheduled only when the one before it has
 *   fired, so levels fire in order.
 * - After the last level of round `r`, if `r < repeat` (the rounds so far, r + 1, are at
 *   most `repeat`) round r + 1 starts at `start(r) + 2 × levels[last].after`: the last
 *   level is given as long to answer as it took to reach it. So `repeat: N` means 1 + N
 *   rounds in all. E.g. levels `0s → A, 15m → B`, `repeat: 2`: A at 0, B at 15m, A at
 *   30m, B at 45m, A at 60m, B at 75m, then nothing.
 * - A round whose last level is at `0s` has no length, so such a policy does not
 *   repeat (it would page everyone in a tight loop).
 *
 * (Starting the next round at `start(r) + levels[last].after`, as first sketched, would
 * page level 0 again at the very moment the last level is paged.)
 */
export function firstStep(spec: EscalationPolicySpec, openedAt: Date): Step {
  const offsets = levelOffsetsMs(spec);
  return { round: 0, level: 0, roundStartedAt: openedAt, dueAt: new Date(openedAt.getTime() + offsets[0]) };
}

/** The level after `step` per the schedule of {@link firstStep}, or `undefined` when the escalation has run its course. */
export function stepAfter(spec: EscalationPolicySpec, step: Pick<Step, 'round' | 'level' | 'roundStartedAt'>): Step | undefined {
  const offsets = levelOffsetsMs(spec);
  const start = step.roundStartedAt.getTime();
  if (step.level + 1 < offsets.length) {
    return { round: step.round, level: step.level + 1, roundStartedAt: step.roundStartedAt, dueAt: new Date(start + offsets[step.level + 1]) };
  }
  const roundLength = 2 * offsets[offsets.length - 1];
  if (step.round >= (spec.repeat ?? 0) || roundLength === 0) return undefined;
  const next = new Date(start + roundLength);
  return { round: step.round + 1, level: 0, roundStartedAt: next, dueAt: new Date(next.getTime() + offsets[0]) };
}
