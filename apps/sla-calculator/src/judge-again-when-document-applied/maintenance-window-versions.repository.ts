import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { MaintenanceWindowSpec } from '@vigil/contracts';
import { SlaSchema } from '../migrations';

/** A generation of a MaintenanceWindow as it was judged by: its services and its times. */
export interface MaintenanceWindowVersion {
  generation: number;
  services: string[];
  from: number;
  to: number;
}

/** `sla.maintenance_window_versions`; every call runs in the caller's transaction. */
@Injectable()
export class MaintenanceWindowVersionsRepository {
  private readonly table = `${SlaSchema}.maintenance_window_versions`;

  /**
   * Keeps this generation of the window and answers the one before it, if the calculator
   * has seen one: what the re-applied window no longer covers.
   */
  async record(
    manager: EntityManager, tenantId: string, name: string, generation: number, spec: MaintenanceWindowSpec, eventId: string,
  ): Promise<MaintenanceWindowVersion | undefined> {
    await manager.query(
      `insert into ${this.table} (tenant_id, name, generation, services, from_at, to_at, event_id) values ($1, $2, $3, $4::jsonb, $5, $6, $7)
       on conflict do nothing`,
      [tenantId, name, generation, JSON.stringify(spec.services), spec.from, spec.to, eventId],
    );
    const [previous]: Array<{ generation: number; services: string[]; from_at: Date; to_at: Date }> = await manager.query(
      `select generation, services, from_at, to_at from ${this.table} where tenant_id = $1 and name = $2 and generation < $3 order by generation desc limit 1`,
      [tenantId, name, generation],
    );
    return previous && { generation: previous.generation, services: previous.services, from: previous.from_at.getTime(), to: previous.to_at.getTime() };
  }
}
