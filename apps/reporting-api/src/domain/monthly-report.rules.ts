import type { CreditTier, Severity } from '@vigil/contracts';
import {
  availability, clipIntervals, creditPercentage, dropShorterThan, subtractIntervals, totalLength, unionIntervals, type Interval,
} from '@vigil/sla-engine';
import type { EffectiveTarget } from './availability-target.rules';
import { incidentDowntime, scopeMaintenance, type IncidentView, type MaintenanceWindowView } from './incident-as-of.rules';

/** A breach as known at the moment asked about, dated by when it became true (`at`). */
export interface BreachFact {
  at: number;
  eventId: string;
  policy: string;
  serviceId: string;
  alarmKey: string | null;
  reason: string;
}

export interface MonthlyReportInput {
  incidents: IncidentView[];
  breaches: BreachFact[];
  windows: MaintenanceWindowView[];
  target: EffectiveTarget;
  creditTiers: CreditTier[] | null;
  /** The local month, [first midnight, next month's first midnight). */
  period: Interval;
  now: number;
  serviceId?: string;
}

/** One incident behind the numbers: where it counted as down in the month, and the events that say so. */
export interface IncidentEvidence {
  incident: IncidentView;
  /** Where it counted toward downtime in the month (overlaps with other incidents count once in the total). */
  intervals: Interval[];
  downtimeMs: number;
}

export interface MonthlyFigures {
  periodComplete: boolean;
  periodMs: number;
  downtimeMs: number;
  uptimeMs: number;
  /** Unrounded: the credit tier is chosen on it. */
  availabilityPercentage: number;
  errorBudgetMs: number;
  errorBudgetUsedMs: number;
  /** Used / budget; `Infinity` for downtime against a 100 % objective. */
  budgetConsumed: number;
  /** Mean time from start to end of the incidents that ended in the month; null when none did. */
  mttrMs: number | null;
  creditPercentage: number;
  evidence: IncidentEvidence[];
  breaches: BreachFact[];
  maintenance: MaintenanceWindowView[];
}

/**
 * A month's availability, error budget, MTTR and SLA credit for one scope, with the evidence
 * behind them. The rules are `@vigil/sla-engine`'s: the union of counted outages (blips under
 * the policy's minimum dropped), maintenance cut out and leaving the denominator or counting as
 * uptime, the SLI to date while the month is in progress, and the credit tier read on the
 * unrounded availability.
 */
export function monthlyReport(input: MonthlyReportInput): MonthlyFigures {
  const { period, now, target } = input;
  const counted = new Set<Severity>(target.countedSeverities);
  const down = input.incidents.map((incident) => ({ incident, down: incidentDowntime(incident, counted, input.windows) }));
  const maintenance = scopeMaintenance(input.windows, input.serviceId);
  const sli = availability({
    outages: down.flatMap((d) => d.down),
    period,
    now,
    objectivePercentage: target.objective,
    maintenance,
    maintenanceMode: target.maintenanceMode ?? 'exclude',
    minimumOutageMs: target.minimumOutageMs,
  });
  const elapsed = { start: period.start, end: Math.min(period.end, now) };
  // What the total counted, so each incident's share is the part of it that survived the minimum outage and maintenance.
  const counting = subtractIntervals(
    clipIntervals(dropShorterThan(down.flatMap((d) => d.down.map(({ start, end }) => ({ start, end: Math.min(end, now) }))), target.minimumOutageMs), elapsed),
    maintenance,
  );
  const evidence = down
    .map(({ incident, down: own }) => {
      const intervals = subtractIntervals(unionIntervals(own), subtractIntervals(unionIntervals(own), counting));
      return { incident, intervals, downtimeMs: totalLength(intervals) };
    })
    .filter((e) => e.downtimeMs > 0)
    .sort((a, b) => a.incident.startedAt - b.incident.startedAt || a.incident.id.localeCompare(b.incident.id));
  const resolved = evidence.filter(({ incident }) => incident.endedAt !== null && incident.endedAt >= elapsed.start && incident.endedAt < elapsed.end);
  const mttrMs = resolved.length > 0
    ? resolved.reduce((sum, { incident }) => sum + ((incident.endedAt as number) - incident.startedAt), 0) / resolved.length
    : null;
  return {
    periodComplete: now >= period.end,
    periodMs: sli.periodMs,
    downtimeMs: sli.downtimeMs,
    uptimeMs: sli.uptimeMs,
    availabilityPercentage: sli.compliancePercentage,
    errorBudgetMs: sli.errorBudgetMs,
    errorBudgetUsedMs: sli.errorBudgetUsedMs,
    budgetConsumed: sli.budgetConsumed,
    mttrMs,
    creditPercentage: input.creditTiers ? creditPercentage(sli.compliancePercentage, input.creditTiers) : 0,
    evidence,
    breaches: input.breaches.filter((b) => b.at >= elapsed.start && b.at < elapsed.end),
    maintenance: input.windows.filter((w) => w.start < elapsed.end && w.end > elapsed.start),
  };
}
