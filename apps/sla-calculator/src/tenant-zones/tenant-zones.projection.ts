import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigEventTypes, Topics, assertNever, isEventOf, type AnyEvent, type TenantSpec } from '@vigil/contracts';
import { PoisonMessageError } from '@vigil/messaging';
import { MessagingService } from '@vigil/platform-nest';
import type { EntityManager } from 'typeorm';
import { TenantZonesRepository } from './tenant-zones.repository';

function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Projects each tenant's time zone from alarm-ingestion's `Tenant` documents: resolution
 * deadlines without a named calendar run around the clock in that zone. Exactly once
 * through the platform's ledger; an older generation never overwrites a newer one.
 */
@Injectable()
export class TenantZonesProjection implements OnModuleInit {
  constructor(private readonly messaging: MessagingService, private readonly tenants: TenantZonesRepository) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'tenant-zones',
      topics: [Topics.configEvents],
      handle: (event, { manager }) => this.project(event, manager),
    });
  }

  async project(event: AnyEvent, manager: EntityManager): Promise<void> {
    // Only config events are published on vigil.config-events.v1.
    if (!isEventOf(event, ConfigEventTypes)) return;
    switch (event.type) {
      case 'config-applied': {
        // Only the zone of a Tenant matters here. Our own kinds (SLAPolicy, BusinessCalendar, …)
        // are read from sla.config_documents, and other services' kinds are theirs.
        if (event.data.kind !== 'Tenant') return;
        const { timezone } = event.data.spec as Partial<TenantSpec>;
        if (!isTimeZone(timezone)) throw new PoisonMessageError(`Tenant ${event.tenantId}: spec.timezone ${JSON.stringify(timezone)} is not an IANA time zone`);
        await this.tenants.upsert(manager, event.tenantId, timezone, event.data.generation);
        return;
      }
      case 'config-deleted':
        // Without its Tenant document the tenant falls back to UTC.
        if (event.data.kind === 'Tenant') await this.tenants.remove(manager, event.tenantId);
        return;
      default:
        return assertNever(event);
    }
  }
}
