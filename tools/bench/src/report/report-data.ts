import type { Client } from 'pg';

export interface ReportDataShape {
  alarms: number;
  tenants: number;
  servicesPerTenant: number;
  /** The data covers [start, end): whole UTC days ending at today's midnight. */
  start: number;
  end: number;
}

export const tenantId = (i: number) => `bench-t${i}`;
export const serviceId = (t: number, s: number) => `svc-${t}-${s}`;

/**
 * Writes the same alarms twice, in one seeded pass: into reporting's read model (incidents and
 * their severity statement, as the projection would have written them for a raise and its
 * clear) and into `naive.alarms`, the indexed alarms table of the straightforward approach.
 * Severities: a quarter each critical, major (counted), minor, warning; 1 to 120 minutes long,
 * spread uniformly over the span. Set-based SQL: a million rows take seconds, not a replay.
 */
export async function loadReportData(client: Client, shape: ReportDataShape): Promise<void> {
  const services = shape.tenants * shape.servicesPerTenant;
  await client.query(`select setseed(0.42)`);
  await client.query(
    `create temporary table bench_alarms as
     select g,
       'bench-t' || (g % $2) as tenant_id,
       'svc-' || (g % $2) || '-' || ((g / $2) % $3) as service_id,
       (array['critical', 'major', 'minor', 'warning'])[1 + ((g / $4) % 4)] as severity,
       to_timestamp($5 / 1000.0) + floor(random() * ($6 - $5)) * interval '1 millisecond' as started_at,
       (60 + floor(random() * 7140)) * interval '1 second' as duration
     from generate_series(0, $1 - 1) g`,
    [shape.alarms, shape.tenants, shape.servicesPerTenant, services, shape.start, shape.end - 2 * 3_600_000],
  );
  await client.query(
    `insert into reporting.incidents
       (tenant_id, alarm_key, service_id, severity, summary, started_at, ended_at, resolution, raised_event_id, cleared_event_id, recorded_at, ended_recorded_at)
     select tenant_id, 'alarm-' || g, service_id, severity, 'bench alarm', started_at, started_at + duration, 'resolved',
       gen_random_uuid(), gen_random_uuid(), started_at, started_at + duration
     from bench_alarms`,
  );
  await client.query(
    `insert into reporting.incident_severities (incident_id, severity, effective_from, rank, event_id, recorded_at)
     select id, severity, started_at, 1, raised_event_id, recorded_at from reporting.incidents where tenant_id like 'bench-t%'`,
  );
  await client.query(`create schema if not exists naive`);
  await client.query(`drop table if exists naive.alarms`);
  await client.query(
    `create table naive.alarms as
     select g as id, tenant_id, service_id, severity, started_at, started_at + duration as cleared_at from bench_alarms`,
  );
  await client.query(`create index alarms_by_service on naive.alarms (tenant_id, service_id, started_at)`);
  await client.query(`create index alarms_by_tenant on naive.alarms (tenant_id, started_at)`);
  await client.query(`drop table bench_alarms`);
  await client.query(`analyze reporting.incidents`);
  await client.query(`analyze reporting.incident_severities`);
  await client.query(`analyze naive.alarms`);
}

const DAY_MS = 86_400_000;

/**
 * The straightforward approach of the original requirements: for each day one SUM of the
 * counted alarms' time within it over the indexed alarms table (overlaps summed, not merged:
 * as it was specified), so a 90-day report is 90 queries.
 */
export async function naiveCompliance(client: Client, tenant: string, service: string, from: number, days: number): Promise<Array<{ date: string; downtime_minutes: number; compliance_percentage: number }>> {
  const records = [];
  for (let d = 0; d < days; d++) {
    const start = new Date(from + d * DAY_MS);
    const end = new Date(from + (d + 1) * DAY_MS);
    const { rows } = await client.query<{ seconds: string | null }>(
      `select sum(extract(epoch from least(coalesce(cleared_at, now()), $4) - greatest(started_at, $3))) as seconds
       from naive.alarms
       where tenant_id = $1 and service_id = $2 and severity in ('critical', 'major')
         and started_at < $4 and coalesce(cleared_at, now()) > $3`,
      [tenant, service, start, end],
    );
    const downtime = Math.min(1440, Number(rows[0]?.seconds ?? 0) / 60);
    records.push({ date: start.toISOString(), downtime_minutes: Math.round(downtime * 100) / 100, compliance_percentage: Math.round(((1440 - downtime) / 1440) * 10_000) / 100 });
  }
  return records;
}
