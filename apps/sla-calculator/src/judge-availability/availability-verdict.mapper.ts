import type { AlarmRef, AvailabilityFiguresData, SlaVerdictData } from '@vigil/contracts';
import type { SlaWindow } from '@vigil/sla-engine';
import type { AvailabilityPolicy } from '../availability/availability-policy.matcher';
import type { AvailabilityDecision, AvailabilityVerdict } from '../availability/availability.decider';
import { formatDuration } from '../resolution-clocks/format-duration';

const MINUTE_MS = 60_000;

export const iso = (ms: number) => new Date(ms).toISOString();
const minutes = (ms: number) => Math.round((ms / MINUTE_MS) * 1000) / 1000;

export function figuresData(decision: AvailabilityDecision): AvailabilityFiguresData {
  const f = decision.figures;
  return {
    objectivePercentage: f.objectivePercentage,
    compliancePercentage: f.compliancePercentage,
    periodInProgress: f.periodInProgress,
    measuredMinutes: minutes(f.measuredMs),
    downtimeMinutes: minutes(f.downtimeMs),
    errorBudgetMinutes: minutes(f.errorBudgetMs),
    errorBudgetUsedMinutes: minutes(f.errorBudgetUsedMs),
    errorBudgetLeftMinutes: minutes(f.errorBudgetLeftMs),
    burnRates: f.burnRates.map((r) => ({
      rule: r.rule.name, factor: r.rule.factor, longWindow: formatDuration(r.rule.longWindowMs), shortWindow: formatDuration(r.rule.shortWindowMs),
      longRate: r.longRate, shortRate: r.shortRate, firing: r.firing,
    })),
  };
}

export function verdictData(
  verdict: AvailabilityVerdict,
  context: { rules: AvailabilityPolicy; serviceId: string; window: SlaWindow; decision: AvailabilityDecision; alarm?: AlarmRef },
): SlaVerdictData {
  const { rules, serviceId, window, decision } = context;
  const consumed = decision.figures.budgetConsumed;
  return {
    policy: rules.name,
    policyType: 'availability',
    serviceId,
    ...(context.alarm ? { alarm: context.alarm } : {}),
    reason: verdict.reason,
    ...(Number.isFinite(consumed) ? { budgetConsumed: consumed } : {}),
    effectiveAt: iso(verdict.effectiveAt),
    window: { kind: window.kind, key: window.key, start: iso(window.start), end: iso(window.end) },
    availability: figuresData(decision),
    ...(verdict.type === 'sla-at-risk' && verdict.atRiskFraction !== undefined ? { atRiskFraction: verdict.atRiskFraction } : {}),
    ...(verdict.type === 'sla-at-risk' && verdict.burnRateRule !== undefined ? { burnRateRule: verdict.burnRateRule } : {}),
    alarms: decision.alarms.map((a) => ({ ...a.alarm, startedAt: iso(a.startedAt), endedAt: a.endedAt === null ? null : iso(a.endedAt), downtimeMinutes: minutes(a.downtimeMs) })),
    ...(verdict.type !== 'sla-at-risk' && verdict.corrects ? { corrects: verdict.corrects } : {}),
  };
}
