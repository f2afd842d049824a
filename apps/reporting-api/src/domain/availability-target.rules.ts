import { parseDuration, Severities, type Severity } from '@vigil/contracts';
import type { MaintenanceMode } from '@vigil/sla-engine';

/** What reporting keeps of an availability SLAPolicy: which services it covers and how it counts. */
export interface AvailabilityTarget {
  policy: string;
  /** Service ids or `*`; absent when the policy selects by labels. */
  services?: string[];
  selector?: { matchLabels: Record<string, string> };
  objective: number;
  countedSeverities: Severity[];
  minimumOutageMs: number;
  /** Maintenance leaves the denominator (`exclude`, the default) or counts as uptime. */
  maintenanceMode?: MaintenanceMode;
  /** The CreditSchedule the policy names, if any. */
  creditSchedule?: string;
}

/** The target a report measures against: a policy's, or the default when no policy covers the scope. */
export interface EffectiveTarget {
  policy: string | null;
  objective: number;
  countedSeverities: Severity[];
  minimumOutageMs: number;
  maintenanceMode?: MaintenanceMode;
  creditSchedule?: string;
}

export const DefaultCountedSeverities: readonly Severity[] = ['critical', 'major'];
export const DefaultTarget: EffectiveTarget = { policy: null, objective: 99.9, countedSeverities: [...DefaultCountedSeverities], minimumOutageMs: 0 };

export class InvalidPolicySpecError extends Error {}

/**
 * The availability target of an SLAPolicy spec as published in `config-applied`, or
 * `undefined` for a policy of another type. The owner validated the document; what is
 * checked here is only what would make the numbers wrong.
 */
export function availabilityTargetOf(policy: string, spec: Record<string, unknown>): AvailabilityTarget | undefined {
  if (spec.type !== 'availability') return undefined;
  const objective = spec.objective;
  if (typeof objective !== 'number' || !(objective >= 0 && objective <= 100)) {
    throw new InvalidPolicySpecError(`SLAPolicy ${policy}: spec.objective must be a percentage, got ${JSON.stringify(objective)}`);
  }
  const counted = spec.countedSeverities;
  if (counted !== undefined && (!Array.isArray(counted) || counted.length === 0 || !counted.every((s) => (Severities as readonly unknown[]).includes(s)))) {
    throw new InvalidPolicySpecError(`SLAPolicy ${policy}: spec.countedSeverities must list severities, got ${JSON.stringify(counted)}`);
  }
  const minimumOutage = spec.minimumOutage;
  const minimumOutageMs = typeof minimumOutage === 'string' ? parseDuration(minimumOutage) : 0;
  if (minimumOutageMs === undefined) throw new InvalidPolicySpecError(`SLAPolicy ${policy}: spec.minimumOutage is not a duration`);
  const services = Array.isArray(spec.services) ? spec.services.filter((s): s is string => typeof s === 'string') : undefined;
  const selector = isSelector(spec.selector) ? { matchLabels: spec.selector.matchLabels } : undefined;
  const maintenanceMode = spec.maintenance;
  if (maintenanceMode !== undefined && maintenanceMode !== 'exclude' && maintenanceMode !== 'count-as-uptime') {
    throw new InvalidPolicySpecError(`SLAPolicy ${policy}: spec.maintenance must be exclude or count-as-uptime, got ${JSON.stringify(maintenanceMode)}`);
  }
  return {
    policy,
    ...(services ? { services } : {}),
    ...(selector ? { selector } : {}),
    objective,
    countedSeverities: (counted as Severity[] | undefined) ?? [...DefaultCountedSeverities],
    minimumOutageMs,
    ...(maintenanceMode ? { maintenanceMode } : {}),
    ...(typeof spec.creditSchedule === 'string' ? { creditSchedule: spec.creditSchedule } : {}),
  };
}

function isSelector(value: unknown): value is { matchLabels: Record<string, string> } {
  const labels = (value as { matchLabels?: unknown } | undefined)?.matchLabels;
  return typeof labels === 'object' && labels !== null && !Array.isArray(labels);
}

const effective = (t: AvailabilityTarget): EffectiveTarget => ({
  policy: t.policy, objective: t.objective, countedSeverities: t.countedSeverities, minimumOutageMs: t.minimumOutageMs,
  ...(t.maintenanceMode ? { maintenanceMode: t.maintenanceMode } : {}),
  ...(t.creditSchedule ? { creditSchedule: t.creditSchedule } : {}),
});

/** Highest objective first, then by name, so the choice never depends on row order. */
function strictest(targets: AvailabilityTarget[]): AvailabilityTarget | undefined {
  return [...targets].sort((a, b) => b.objective - a.objective || a.policy.localeCompare(b.policy))[0];
}

const coversEverything = (t: AvailabilityTarget) => (!t.services && !t.selector) || (t.services?.includes('*') ?? false);

/**
 * The target of one service: a policy naming the service beats one selecting it by labels,
 * which beats one covering `*`; among equals the strictest objective wins.
 * For the whole tenant (no service): the policy covering every service, else the strictest
 * promise the tenant made, else the default (99.9 %, critical and major count).
 */
export function selectTarget(targets: AvailabilityTarget[], serviceId?: string, serviceLabels: Record<string, string> = {}): EffectiveTarget {
  if (serviceId === undefined) {
    const chosen = strictest(targets.filter(coversEverything)) ?? strictest(targets);
    return chosen ? effective(chosen) : DefaultTarget;
  }
  const named = targets.filter((t) => t.services?.includes(serviceId));
  const selected = targets.filter(
    (t) => t.selector && Object.entries(t.selector.matchLabels).every(([key, value]) => serviceLabels[key] === value),
  );
  const chosen = strictest(named) ?? strictest(selected) ?? strictest(targets.filter(coversEverything));
  return chosen ? effective(chosen) : DefaultTarget;
}
