import { parseDuration, type Severity } from '@vigil/contracts';
import { DefaultBurnRateRules, type BurnRateRule, type MaintenanceMode, type PeriodInProgress, type SlaWindowKind } from '@vigil/sla-engine';
import { policySelectsAlarm, type PolicyDocument } from '../sla-policies/policy-selection';

/** An availability SLAPolicy with every rule spelled out: nothing of the calculation is implicit. */
export interface AvailabilityPolicy {
  name: string;
  objectivePercentage: number;
  window: SlaWindowKind;
  counted: ReadonlySet<Severity>;
  maintenanceMode: MaintenanceMode;
  minimumOutageMs: number;
  /** Budget fractions below 1 whose crossing is announced, ascending. */
  atRiskFractions: number[];
  /** Empty when the policy says `burnRate: none`. */
  burnRateRules: BurnRateRule[];
  /** What the compliance of a window in progress shows: the SLI to date, or a projection to the window's end. */
  periodInProgress: PeriodInProgress;
}

export const DefaultCountedSeverities: readonly Severity[] = ['critical', 'major'];
export const DefaultAtRiskBudgetFractions: readonly number[] = [0.5, 0.75];

/** The availability rules of a policy, defaults filled in; `undefined` for a resolution policy. */
export function availabilityPolicyOf(policy: PolicyDocument): AvailabilityPolicy | undefined {
  const { spec } = policy;
  if (spec.type !== 'availability' || spec.objective === undefined) return undefined;
  const fractions = [...new Set(spec.atRisk?.budgetConsumed ?? DefaultAtRiskBudgetFractions)].filter((f) => f > 0 && f < 1).sort((a, b) => a - b);
  return {
    name: policy.name,
    objectivePercentage: spec.objective,
    window: spec.window ?? 'calendar-month',
    counted: new Set(spec.countedSeverities ?? DefaultCountedSeverities),
    maintenanceMode: spec.maintenance ?? 'exclude',
    minimumOutageMs: (spec.minimumOutage === undefined ? 0 : parseDuration(spec.minimumOutage)) ?? 0,
    atRiskFractions: fractions,
    burnRateRules: spec.atRisk?.burnRate === 'none' ? [] : DefaultBurnRateRules,
    periodInProgress: spec.periodInProgress ?? 'to-date',
  };
}

/** The availability policies among `policies` that concern an alarm of the service (its labels against their selectors). */
export function availabilityPoliciesFor(policies: readonly PolicyDocument[], serviceId: string, labels?: Record<string, string>): Array<{ document: PolicyDocument; rules: AvailabilityPolicy }> {
  return policies.flatMap((document) => {
    const rules = availabilityPolicyOf(document);
    if (!rules) return [];
    // Without labels (a timer, a maintenance window) the selector is applied to each outage instead.
    const selected = labels === undefined ? policySelectsAlarm({ ...document.spec, selector: undefined }, serviceId, {}) : policySelectsAlarm(document.spec, serviceId, labels);
    return selected ? [{ document, rules }] : [];
  });
}
