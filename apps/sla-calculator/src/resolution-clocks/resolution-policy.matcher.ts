import { parseDuration, selectsService, type AlarmRaisedData, type SLAPolicySpec, type Severity } from '@vigil/contracts';

export interface PolicyDocument {
  name: string;
  spec: SLAPolicySpec;
}

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

/** Service ids (or `"*"`) and a label selector, when both are given, must both match. */
export function policySelectsAlarm(spec: SLAPolicySpec, serviceId: string, labels: Record<string, string>): boolean {
  if (!selectsService(spec.services, serviceId)) return false;
  const wanted = spec.selector?.matchLabels ?? {};
  return Object.entries(wanted).every(([name, value]) => labels[name] === value);
}

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
