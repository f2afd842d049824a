import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { ReportFactsReader } from '../report-facts/report-facts.reader';

export interface ServicesBody {
  tenant_id: string;
  services: Array<{ service_id: string; incidents: number; last_incident_at: string }>;
}

@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/v1/sla')
export class ServicesController {
  constructor(private readonly reader: ReportFactsReader) {}

  /** The services the tenant has had alarms for (the dashboard's service picker); none yet is an empty list. */
  @Get('services')
  @Authenticated('reports:read')
  async services(@CurrentPrincipal() principal: Principal): Promise<ServicesBody> {
    const rows = await this.reader.query<{ service_id: string; incidents: number; last_incident_at: Date }>(
      `select service_id, count(*)::int as incidents, max(started_at) as last_incident_at
       from reporting.incidents where tenant_id = $1 group by service_id order by service_id`,
      [principal.tenantId],
    );
    return {
      tenant_id: principal.tenantId,
      services: rows.map((r) => ({ service_id: r.service_id, incidents: r.incidents, last_incident_at: r.last_incident_at.toISOString() })),
    };
  }
}
