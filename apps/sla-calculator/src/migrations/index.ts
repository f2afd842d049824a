import type { MigrationInterface } from 'typeorm';
import { outagesMigration } from './1763702000100-outages.migration';
import { resolutionClocksMigration } from './1763702000200-resolution-clocks.migration';
import { severityHistoryMigration } from './1763702000300-severity-history.migration';
import { tenantsMigration } from './1763702000000-tenants.migration';
import { availabilityWindowsMigration } from './1763702000400-availability-windows.migration';
import { clockBreachEventsMigration } from './1763702000500-clock-breach-events.migration';
import { maintenanceWindowVersionsMigration } from './1763702000600-maintenance-window-versions.migration';

/** The schema this service owns; no other service reads or writes it. */
export const SlaSchema = 'sla';

/** The calculator's own tables, after the platform's; built per schema so the migration test can use a scratch one. */
export function slaMigrations(schema: string = SlaSchema): Array<new () => MigrationInterface> {
  return [
    tenantsMigration(schema), outagesMigration(schema), resolutionClocksMigration(schema), severityHistoryMigration(schema), availabilityWindowsMigration(schema), clockBreachEventsMigration(schema),
    maintenanceWindowVersionsMigration(schema),
  ];
}
