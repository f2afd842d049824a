import { ConflictException, Controller, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { EscalationStore } from '../escalations/escalation.store';
import { escalationView, type EscalationView } from '../escalations/escalation.view';
import { AcknowledgeEscalationHandler } from './acknowledge-escalation.handler';

@Controller('api/v1/escalations')
export class AcknowledgeEscalationController {
  constructor(private readonly handler: AcknowledgeEscalationHandler, private readonly store: EscalationStore) {}

  /**
   * Stops an escalation: no further levels page. Records the token's subject and the
   * time. 404 for an id the tenant does not have, 409 once resolved; acknowledging an
   * acknowledged escalation answers 200 and changes nothing.
   */
  @Post(':id/acknowledge')
  @HttpCode(200)
  @Authenticated('escalations:write')
  async acknowledge(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<EscalationView> {
    const outcome = await this.handler.byId(principal.tenantId, id, principal.subject);
    switch (outcome.result) {
      case 'not-found':
        throw new NotFoundException(`id: no escalation ${id}`);
      case 'already-resolved':
        throw new ConflictException(`id: escalation ${id} is resolved and can no longer be acknowledged`);
      case 'acknowledged': {
        const timelines = await this.store.timelines([outcome.escalation.id]);
        return escalationView(outcome.escalation, timelines.get(outcome.escalation.id) ?? []);
      }
    }
  }
}
