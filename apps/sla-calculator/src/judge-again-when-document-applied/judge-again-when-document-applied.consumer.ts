import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type AnyEvent, type MaintenanceWindowSpec, type SLAPolicySpec } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { OutageIntervalsRepository } from '../outage-intervals/outage-intervals.repository';
import { JudgeAvailabilityHandler } from '../judge-availability/judge-availability.handler';
import { StartResolutionClocksHandler } from '../start-resolution-clocks/start-resolution-clocks.handler';
import { MaintenanceWindowVersionsRepository } from './maintenance-window-versions.repository';

/**
 * Our own `config-applied` events, back from Kafka: a MaintenanceWindow applied (perhaps after
 * the outage it covers) or an availability SLAPolicy applied or changed is judged again at once
 * for the services it concerns, so verdicts the new document changes are published or corrected;
 * a resolution SLAPolicy starts the clocks of the active alarms it times that were raised before
 * it. Exactly once through the platform's ledger, like every consumer.
 */
@Injectable()
export class JudgeAgainWhenDocumentAppliedConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingService,
    private readonly availability: JudgeAvailabilityHandler,
    private readonly startClocks: StartResolutionClocksHandler,
    private readonly outages: OutageIntervalsRepository,
    private readonly windowVersions: MaintenanceWindowVersionsRepository,
  ) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'availability-documents',
      topics: [Topics.configEvents],
      handle: (event, { manager }) => this.handle(event, manager),
    });
  }

  async handle(event: AnyEvent, manager: EntityManager): Promise<void> {
    if (event.type !== 'config-applied') return;
    const { kind, name, spec, generation } = event.data;
    if (kind === 'MaintenanceWindow') {
      const window = spec as unknown as MaintenanceWindowSpec;
      // A window moved or narrowed by a re-apply restates what it left as well as what it now covers.
      const previous = await this.windowVersions.record(manager, event.tenantId, name, generation, window, event.id);
      const services = [...new Set([...window.services, ...(previous?.services ?? [])])];
      const instants = [Date.parse(window.from), Date.parse(window.to), ...(previous ? [previous.from, previous.to] : [])];
      await this.availability.afterDocumentApplied(manager, event.tenantId, services, { cause: event, instants });
      return;
    }
    if (kind === 'SLAPolicy' && (spec as unknown as SLAPolicySpec).type === 'availability') {
      const policy = spec as unknown as SLAPolicySpec;
      await this.availability.afterDocumentApplied(manager, event.tenantId, policy.services ?? ['*'], { cause: event, instants: [] }, name);
      return;
    }
    if (kind === 'SLAPolicy' && (spec as unknown as SLAPolicySpec).type === 'resolution') {
      // A deadline already past is a timer due now: the kick after the commit fires it.
      await this.startClocks.forPolicy(manager, event.tenantId, name, await this.outages.active(manager, event.tenantId), event);
    }
    // Other kinds, and other services' documents, change no availability verdict.
  }
}
