import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConfigDocumentsService, type StoredDocument } from '@vigil/platform-nest';
import type { Interval } from '@vigil/sla-engine';
import { TenantZonesRepository } from '../tenant-zones/tenant-zones.repository';

/**
 * The documents and the zone an event is judged by, read once per transaction: an alarm event
 * asks for the tenant's policies, maintenance windows and zone from the resolution clocks and
 * from availability, and each read is a round trip. Within one event's transaction they are the
 * same anyway. Outside a transaction (queries) every call reads afresh.
 */
@Injectable()
export class SlaDocuments {
  private readonly cache = new WeakMap<EntityManager, Map<string, Promise<unknown>>>();

  constructor(private readonly documents: ConfigDocumentsService, private readonly tenants: TenantZonesRepository) {}

  async policies(manager: EntityManager, tenantId: string): Promise<Array<StoredDocument<'SLAPolicy'>>> {
    return (await this.judgedBy(manager, tenantId)).filter((d): d is StoredDocument<'SLAPolicy'> => d.kind === 'SLAPolicy');
  }

  async maintenanceWindows(manager: EntityManager, tenantId: string): Promise<Array<StoredDocument<'MaintenanceWindow'>>> {
    return (await this.judgedBy(manager, tenantId)).filter((d): d is StoredDocument<'MaintenanceWindow'> => d.kind === 'MaintenanceWindow');
  }

  /** The tenant's maintenance windows that cover the service. */
  async maintenanceOf(manager: EntityManager, tenantId: string, serviceId: string): Promise<Interval[]> {
    const documents = await this.maintenanceWindows(manager, tenantId);
    return documents
      .filter((d) => d.spec.services.includes('*') || d.spec.services.includes(serviceId))
      .map((d) => ({ start: Date.parse(d.spec.from), end: Date.parse(d.spec.to) }))
      .filter((i) => i.end > i.start);
  }

  zoneOf(manager: EntityManager, tenantId: string): Promise<string> {
    return this.once(manager, `zone/${tenantId}`, () => this.tenants.zoneOf(manager, tenantId));
  }

  /** Both kinds an alarm event is judged by, in one round trip: nearly every event needs both. */
  private judgedBy(manager: EntityManager, tenantId: string): Promise<Array<StoredDocument<'SLAPolicy' | 'MaintenanceWindow'>>> {
    return this.once(manager, `documents/${tenantId}`, () => this.documents.listKinds(tenantId, ['SLAPolicy', 'MaintenanceWindow'] as const, manager));
  }

  private once<T>(manager: EntityManager, key: string, load: () => Promise<T>): Promise<T> {
    // A manager bound to a transaction has its query runner; the data source's own has none and lives for ever.
    if (!manager.queryRunner) return load();
    let entries = this.cache.get(manager);
    if (!entries) {
      entries = new Map();
      this.cache.set(manager, entries);
    }
    let value = entries.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      entries.set(key, value);
    }
    return value;
  }
}
