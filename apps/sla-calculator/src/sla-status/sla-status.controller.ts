import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { SlaStatusHandler } from './sla-status.handler';
import { SlaStatusQuery } from './sla-status.query';
import { SlaStatusView } from './sla-status.view';

@ApiTags('sla')
@ApiBearerAuth()
@Controller('api/v1/sla/status')
export class SlaStatusController {
  constructor(private readonly handler: SlaStatusHandler) {}

  @Get()
  @Authenticated('reports:read')
  @ApiOperation({ summary: "The current status of the token's tenant's SLAs: availability to date, error budgets, burn rates and running resolution clocks" })
  @ApiOkResponse({ type: SlaStatusView })
  async status(@Query() query: SlaStatusQuery, @CurrentPrincipal() principal: Principal): Promise<SlaStatusView> {
    return this.handler.status(principal.tenantId, query.service_id);
  }
}
