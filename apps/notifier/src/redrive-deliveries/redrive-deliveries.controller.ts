import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import type { Principal } from '@vigil/auth';
import { NotificationsRedriveRoute } from '@vigil/contracts';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { RedriveDeliveriesHandler } from './redrive-deliveries.handler';
import { RedriveDeliveriesRequest, type RedriveDeliveriesResponse } from './redrive-deliveries.request';

@Controller()
export class RedriveDeliveriesController {
  constructor(private readonly handler: RedriveDeliveriesHandler) {}

  /**
   * Sends the tenant's failed (dead-lettered) deliveries again, oldest first, up to
   * `limit`; `channel`, `escalationId` and `failedSince` narrow them, `dryRun` only lists.
   * Admin only: it makes Vigil call out again.
   */
  @Post(NotificationsRedriveRoute)
  @HttpCode(200)
  @Authenticated('admin')
  redrive(@Body() body: RedriveDeliveriesRequest, @CurrentPrincipal() principal: Principal): Promise<RedriveDeliveriesResponse> {
    return this.handler.redrive(principal.tenantId, body);
  }
}
