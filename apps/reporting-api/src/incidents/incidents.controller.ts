import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { ApiReportRange } from '../http/api-report-range';
import { sendCsv } from '../http/csv-response';
import { reply, type Stale } from '../report-cache/report-cache';
import { parseIncidentsQuery } from './incidents-query';
import { IncidentsHandler, type IncidentItem, type IncidentsPage } from './incidents.handler';

const CsvColumns: Array<keyof IncidentItem> = [
  'incident_id', 'alarm_key', 'service_id', 'severity', 'summary', 'started_at', 'ended_at', 'acknowledged_at', 'resolution',
  'duration_minutes', 'downtime_minutes', 'event_ids',
];

@ApiReportRange('from', 'to')
@Controller('api/v1/sla')
export class IncidentsController {
  constructor(private readonly handler: IncidentsHandler) {}

  /** The incidents of a range, a page at a time: pass `next_cursor` back as `cursor`. */
  @Get('incidents')
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 100' })
  @Authenticated('reports:read')
  async incidents(
    @CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>, @Req() request: Request, @Res() response: Response,
  ): Promise<void> {
    const answer = await this.handler.page(principal.tenantId, parseIncidentsQuery(query), Date.now());
    reply(request, response, answer, () => response.json({ ...answer.body, stale: answer.stale } satisfies Stale<IncidentsPage>));
  }

  /** Every incident of the range as CSV, one row each. */
  @Get('incidents.csv')
  @Authenticated('reports:read')
  async incidentsCsv(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await this.handler.page(principal.tenantId, parseIncidentsQuery(query, { paginated: false }), Date.now(), false);
    const page = answer.body;
    reply(request, response, answer, () => sendCsv(response, `incidents-${page.tenant_id}-${page.from.slice(0, 10)}-${page.to.slice(0, 10)}.csv`, CsvColumns, page.incidents));
  }
}
