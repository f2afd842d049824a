import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '@vigil/persistence';
import { SlaSchema } from '../migrations';

/** A tenant with no `Tenant` document known yet is reckoned in UTC. */
export const DefaultTenantZone = 'UTC';

@Injectable()
export class TenantZonesRepository {
  private readonly table = `${SlaSchema}.tenants`;

  async zoneOf(manager: EntityManager, tenantId: string): Promise<string> {
    const [row] = await preparedQuery<{ timezone: string }>(manager, `select timezone from ${this.table} where tenant_id = $1`, [tenantId]);
    return (row?.timezone as string | undefined) ?? DefaultTenantZone;
  }

  /** Keeps the newest generation: an older document never overwrites a newer one. */
  async upsert(manager: EntityManager, tenantId: string, timezone: string, generation: number): Promise<void> {
    await manager.query(
      `insert into ${this.table} (tenant_id, timezone, generation) values ($1, $2, $3)
       on conflict (tenant_id) do update set timezone = excluded.timezone, generation = excluded.generation, updated_at = now()
       where ${this.table}.generation < excluded.generation`,
      [tenantId, timezone, generation],
    );
  }

  async remove(manager: EntityManager, tenantId: string): Promise<void> {
    await manager.query(`delete from ${this.table} where tenant_id = $1`, [tenantId]);
  }
}
