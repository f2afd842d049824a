import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The severity history of each incident (availability counts an alarm as down only while
 * its severity is a counted one) and the corrections of its start and end. Incidents that
 * exist already get their one severity from their start.
 */
export class ReportingIncidentSeverities1763710000100 implements MigrationInterface {
  name = 'ReportingIncidentSeverities1763710000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table reporting.incident_severities (
      id bigserial primary key,
      incident_id bigint not null references reporting.incidents (id) on delete cascade,
      severity text not null,
      effective_from timestamptz not null,
      rank int not null,
      event_id uuid not null,
      -- An event states one severity, except a change that had to build the incident: it states the one before it too (rank 0).
      unique (incident_id, event_id, rank)
    )`);
    await q.query(`insert into reporting.incident_severities (incident_id, severity, effective_from, rank, event_id)
      select id, severity, started_at, case when raised_event_id is null then 0 else 1 end, coalesce(raised_event_id, cleared_event_id)
      from reporting.incidents where coalesce(raised_event_id, cleared_event_id) is not null`);
    // What corrected the incident's start or end, for the evidence behind a restated day.
    await q.query(`alter table reporting.incidents add column corrections jsonb not null default '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table reporting.incidents drop column corrections`);
    await q.query(`drop table reporting.incident_severities`);
  }
}
