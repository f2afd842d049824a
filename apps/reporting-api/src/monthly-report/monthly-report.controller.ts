import { Controller, Get, Query } from '@nestjs/common';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { parseMonthlyReportQuery } from './monthly-report-query';
import { MonthlyReportHandler, type MonthlyReportBody } from './monthly-report.handler';

@Controller('api/v1/sla/reports')
export class MonthlyReportController {
  constructor(private readonly handler: MonthlyReportHandler) {}

  /** Availability, downtime, incidents, MTTR, breaches, error budget and SLA credit of a local month, with the evidence. */
  @Get('monthly')
  @Authenticated('reports:read')
  monthly(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<MonthlyReportBody> {
    return this.handler.execute(principal.tenantId, parseMonthlyReportQuery(query), Date.now());
  }
}
