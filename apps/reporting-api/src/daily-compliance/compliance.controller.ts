import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import type { ComplianceRecord } from '../domain/daily-compliance.rules';
import { ApiReportRange } from '../http/api-report-range';
import { sendCsv } from '../http/csv-response';
import { parseComplianceQuery } from '../http/report-query';
import { reply, type Stale } from '../report-cache/report-cache';
import { DailyComplianceHandler, type ComplianceReport } from './daily-compliance.handler';

const CsvColumns: Array<keyof ComplianceRecord> = ['date', 'compliance_percentage', 'target_percentage', 'uptime_minutes', 'downtime_minutes', 'sla_breaches'];

@ApiReportRange('from_date', 'to_date')
@Controller('api/v1/faults/sla')
export class ComplianceController {
  constructor(private readonly handler: DailyComplianceHandler) {}

  /** Daily compliance of the caller's tenant, or of one of its services with `service_id`. */
  @Get('compliance')
  @Authenticated('reports:read')
  async compliance(
    @CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>, @Req() request: Request, @Res() response: Response,
  ): Promise<void> {
    const answer = await this.handler.execute(principal.tenantId, parseComplianceQuery(query), Date.now());
    reply(request, response, answer, () => response.json({ ...answer.body, stale: answer.stale } satisfies Stale<ComplianceReport>));
  }

  /** The same records as CSV, one row a day. */
  @Get('compliance.csv')
  @Authenticated('reports:read')
  async complianceCsv(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await this.handler.execute(principal.tenantId, parseComplianceQuery(query), Date.now());
    const report = answer.body;
    reply(request, response, answer, () => sendCsv(response, `compliance-${report.tenant_id}-${report.from_date.slice(0, 10)}-${report.to_date.slice(0, 10)}.csv`, CsvColumns, report.records));
  }
}
