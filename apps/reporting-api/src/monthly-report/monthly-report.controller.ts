import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { reply, type Stale } from '../report-cache/report-cache';
import { parseMonthlyReportQuery } from './monthly-report-query';
import { MonthlyReportHandler, type MonthlyReportBody } from './monthly-report.handler';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/v1/sla/reports')
export class MonthlyReportController {
  constructor(private readonly handler: MonthlyReportHandler) {}

  /** Availability, downtime, incidents, MTTR, breaches, error budget and SLA credit of a local month, with the evidence. */
  @Get('monthly')
  @ApiQuery({ name: 'month', required: true, description: 'YYYY-MM, a local month of the tenant' })
  @ApiQuery({ name: 'service_id', required: false })
  @ApiQuery({ name: 'as_of', required: false, description: 'ISO date-time: answer with the events recorded up to then' })
  @Authenticated('reports:read')
  async monthly(
    @CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>, @Req() request: Request, @Res() response: Response,
  ): Promise<void> {
    const answer = await this.handler.execute(principal.tenantId, parseMonthlyReportQuery(query), Date.now());
    reply(request, response, answer, () => response.json({ ...answer.body, stale: answer.stale } satisfies Stale<MonthlyReportBody>));
  }
}
