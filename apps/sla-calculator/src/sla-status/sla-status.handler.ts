import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DataSource, type EntityManager } from 'typeorm';
import { selectsService } from '@vigil/contracts';
import { ConfigDocumentsService } from '@vigil/platform-nest';
import { slaWindowAt, type SlaWindow } from '@vigil/sla-engine';
import { AvailabilityWindowsRepository } from '../availability/availability-windows.repository';
import { availabilityPoliciesFor, type AvailabilityPolicy } from '../availability/availability-policy.matcher';
import { BurnRateHistoryMs, decideAvailability, type AvailabilityDecision } from '../availability/availability.decider';
import { OutageIntervalsRepository } from '../outage-intervals/outage-intervals.repository';
import { ResolutionClocksRepository } from '../resolution-clocks/resolution-clocks.repository';
import { policySelectsAlarm, type PolicyDocument } from '../sla-policies/policy-selection';
import { SlaDocuments } from '../sla-policies/sla-documents';
import { TenantZonesRepository } from '../tenant-zones/tenant-zones.repository';
import type { AvailabilityStatusView, ResolutionClockView, SlaStatusView } from './sla-status.view';

const MINUTE_MS = 60_000;
/** Services a policy for `"*"` or labels concerns: those with an outage in the last 31 days (a month's window). */
const KNOWN_SERVICES_MS = 31 * 86_400_000;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const minutes = (ms: number) => round(ms / MINUTE_MS, 3);

/**
 * The current status of each of the tenant's SLAs: availability figures computed now for the
 * current window (the SLI to date), the verdicts published for it, and the resolution clocks
 * still running. A query: it reads and publishes nothing.
 */
@Injectable()
export class SlaStatusHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly documents: ConfigDocumentsService,
    private readonly slaDocuments: SlaDocuments,
    private readonly windows: AvailabilityWindowsRepository,
    private readonly outages: OutageIntervalsRepository,
    private readonly clocks: ResolutionClocksRepository,
    private readonly tenants: TenantZonesRepository,
  ) {}

  async status(tenantId: string, serviceId: string | undefined, now = Date.now()): Promise<SlaStatusView> {
    const manager = this.dataSource.manager;
    const zone = await this.tenants.zoneOf(manager, tenantId);
    const [availability, resolution] = await Promise.all([this.availabilityStatus(manager, tenantId, serviceId, now, zone), this.clocks.running(manager, tenantId, serviceId)]);
    return {
      asOf: new Date(now).toISOString(),
      availability,
      resolution: resolution.map((clock): ResolutionClockView => ({
        policy: clock.policy, serviceId: clock.alarm.serviceId, alarmKey: clock.alarm.alarmKey, severity: clock.alarm.severity, objective: clock.objective,
        calendar: clock.calendarName, state: clock.state, raisedAt: new Date(clock.raisedAt).toISOString(), atRiskAt: new Date(clock.atRiskAt).toISOString(),
        deadline: new Date(clock.deadline).toISOString(),
      })),
    };
  }

  private async availabilityStatus(manager: EntityManager, tenantId: string, serviceId: string | undefined, now: number, zone: string): Promise<AvailabilityStatusView[]> {
    const policies = await this.documents.list(tenantId, 'SLAPolicy', manager);
    const known = await this.outages.servicesWithOutages(manager, tenantId, { from: now - KNOWN_SERVICES_MS, to: now });
    const views: AvailabilityStatusView[] = [];
    for (const policy of policies) {
      if (policy.spec.type !== 'availability') continue;
      const named = (policy.spec.services ?? []).filter((s) => s !== '*');
      const services = [...new Set([...named, ...known.filter((s) => selectsService(policy.spec.services, s))])]
        .filter((s) => serviceId === undefined || s === serviceId)
        .sort();
      for (const service of services) {
        const [concerned] = availabilityPoliciesFor([policy], service);
        if (!concerned) continue;
        const { window, decision } = await this.figures(manager, tenantId, service, concerned, now);
        const stored = await this.windows.find(manager, { tenantId, policy: policy.name, serviceId: service }, window.key);
        const f = decision.figures;
        const published = stored?.state;
        const status = published?.breach ? 'breached' : published && (published.crossedFractions.length > 0 || published.firingRules.length > 0) ? 'at-risk' : 'ok';
        views.push({
          policy: policy.name, serviceId: service, status,
          window: {
            kind: window.kind, key: window.key,
            start: DateTime.fromMillis(window.start, { zone }).toISO({ suppressMilliseconds: true }) ?? '',
            end: DateTime.fromMillis(window.end, { zone }).toISO({ suppressMilliseconds: true }) ?? '',
          },
          objectivePercentage: f.objectivePercentage,
          compliancePercentage: round(f.compliancePercentage, 2),
          periodInProgress: f.periodInProgress,
          downtimeMinutes: minutes(f.downtimeMs),
          errorBudget: {
            totalMinutes: minutes(f.errorBudgetMs), usedMinutes: minutes(f.errorBudgetUsedMs), leftMinutes: minutes(f.errorBudgetLeftMs),
            ...(Number.isFinite(f.budgetConsumed) ? { consumed: round(f.budgetConsumed, 4) } : {}),
          },
          burnRates: f.burnRates.map((r) => ({
            rule: r.rule.name, factor: r.rule.factor, longWindow: `${r.rule.longWindowMs / 3_600_000}h`, shortWindow: `${r.rule.shortWindowMs / MINUTE_MS}m`,
            longRate: round(r.longRate, 3), shortRate: round(r.shortRate, 3), firing: r.firing,
          })),
          openOutages: decision.alarms.filter((a) => a.endedAt === null).length,
        });
      }
    }
    return views;
  }

  /** The figures of the service's current window as of `now`, decided as a verdict would be but without publishing anything. */
  private async figures(
    manager: EntityManager, tenantId: string, serviceId: string, policy: { document: PolicyDocument; rules: AvailabilityPolicy }, now: number,
  ): Promise<{ window: SlaWindow; decision: AvailabilityDecision }> {
    const zone = await this.slaDocuments.zoneOf(manager, tenantId);
    const window = slaWindowAt(policy.rules.window, now, zone);
    const history = await this.outages.serviceHistory(manager, tenantId, serviceId, { from: Math.min(window.start, now - BurnRateHistoryMs), to: now });
    const outages = history.filter((o) => policySelectsAlarm(policy.document.spec, serviceId, o.labels));
    const maintenance = await this.slaDocuments.maintenanceOf(manager, tenantId, serviceId);
    const decision = decideAvailability({ policy: policy.rules, window, now, outages, maintenance, state: { crossedFractions: [], firingRules: [], breach: null } });
    return { window, decision };
  }
}
