import { Controller, Get, Query } from '@nestjs/common';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { parseComplianceQuery } from '../report-facts/report-query';
import { DailyComplianceHandler, type ComplianceReport } from './daily-compliance.handler';

@Controller('api/v1/faults/sla')
export class ComplianceController {
  constructor(private readonly handler: DailyComplianceHandler) {}

  /** Daily compliance of the caller's tenant, or of one of its services with `service_id`. */
  @Get('compliance')
  @Authenticated('reports:read')
  compliance(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<ComplianceReport> {
    return this.handler.execute(principal.tenantId, parseComplianceQuery(query), Date.now());
  }
}
