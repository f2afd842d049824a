import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An incident touches a range when it started before the range's end and ended after its start
 * (or is open). The start indexes bound only the first half: a 90-day report in the middle of a
 * year would read every earlier incident of the service. Indexes on the end let PostgreSQL
 * intersect both bounds.
 */
export class ReportingIncidentEndIndexes1763710000400 implements MigrationInterface {
  name = 'ReportingIncidentEndIndexes1763710000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index incidents_by_service_end on reporting.incidents (tenant_id, service_id, ended_at)`);
    await q.query(`create index incidents_by_end on reporting.incidents (tenant_id, ended_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index reporting.incidents_by_end`);
    await q.query(`drop index reporting.incidents_by_service_end`);
  }
}
