import { parseDuration, type AlarmRaisedData, type Severity } from '@vigil/contracts';
import { policySelectsAlarm, type PolicyDocument } from '../sla-policies/policy-selection';

export type { PolicyDocument } from '../sla-policies/policy-selection';

/** What a resolution policy asks of one alarm. */
export interface ResolutionObjective {
  policy: string;
  severity: Severity;
  /** As written in the policy, e.g. `4h`. */
  objective: string;
  objectiveMs: number;
  atRiskFraction: number;
  /** The BusinessCalendar the objective is counted on; `null`: around the clock in the tenant's zone. */
  calendarName: string | null;
}

export const DefaultAtRiskFraction = 0.75;

/** The objective a policy sets for this alarm, or `undefined` when the policy does not time it. */
export function resolutionObjectiveFor(
  policy: PolicyDocument,
  alarm: Pick<AlarmRaisedData, 'serviceId' | 'severity'> & { labels?: Record<string, string> },
): ResolutionObjective | undefined {
  const { spec } = policy;
  if (spec.type !== 'resolution') return undefined;
  if (!policySelectsAlarm(spec, alarm.serviceId, alarm.labels ?? {})) return undefined;
  const objective = spec.objectives?.[alarm.severity];
  if (objective === undefined) return undefined;
  const objectiveMs = parseDuration(objective);
  if (objectiveMs === undefined) return undefined;
  return {
    policy: policy.name,
    severity: alarm.severity,
    objective,
    objectiveMs,
    atRiskFraction: spec.atRiskFraction ?? DefaultAtRiskFraction,
    calendarName: spec.calendar ?? null,
  };
}
