import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type AnyEvent, type MaintenanceWindowSpec, type SLAPolicySpec } from '@vigil/contracts';
import { MessagingService, TimerService } from '@vigil/platform-nest';
import { AvailabilityService } from './availability.service';

/**
 * Our own `config-applied` events, back from Kafka: a MaintenanceWindow applied (perhaps after
 * the outage it covers) or an availability SLAPolicy applied or changed is judged again at once
 * for the services it concerns, so verdicts the new document changes are published or corrected.
 * Exactly once through the platform's ledger, like every consumer.
 */
@Injectable()
export class JudgeAgainWhenDocumentAppliedConsumer implements OnModuleInit {
  constructor(private readonly messaging: MessagingService, private readonly availability: AvailabilityService, private readonly timers: TimerService) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'availability-documents',
      topics: [Topics.configEvents],
      handle: (event, { manager }) => this.handle(event, manager),
      afterCommit: () => this.timers.kick(),
    });
  }

  async handle(event: AnyEvent, manager: EntityManager): Promise<void> {
    if (event.type !== 'config-applied') return;
    const { kind, name, spec } = event.data;
    if (kind === 'MaintenanceWindow') {
      const window = spec as unknown as MaintenanceWindowSpec;
      await this.availability.afterDocumentApplied(manager, event.tenantId, window.services, { cause: event, instants: [Date.parse(window.from), Date.parse(window.to)] });
      return;
    }
    if (kind === 'SLAPolicy' && (spec as unknown as SLAPolicySpec).type === 'availability') {
      const policy = spec as unknown as SLAPolicySpec;
      await this.availability.afterDocumentApplied(manager, event.tenantId, policy.services ?? ['*'], { cause: event, instants: [] }, name);
    }
    // Other kinds, and other services' documents, change no availability verdict.
  }
}
