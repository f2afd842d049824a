import { Controller, Get, Query } from '@nestjs/common';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal } from '@vigil/platform-nest';
import { EscalationStore } from '../escalations/escalation.store';
import { escalationView, type EscalationView } from '../escalations/escalation.view';
import { DefaultListLimit, ListEscalationsQuery } from './list-escalations.query';

@Controller('api/v1/escalations')
export class ListEscalationsController {
  constructor(private readonly store: EscalationStore) {}

  /** The tenant's escalations, newest first, with their timelines; `state=open|acknowledged|resolved` narrows them. */
  @Get()
  @Authenticated('escalations:write')
  async list(@Query() query: ListEscalationsQuery, @CurrentPrincipal() principal: Principal): Promise<{ escalations: EscalationView[] }> {
    const found = await this.store.list(principal.tenantId, query.state, query.limit ?? DefaultListLimit);
    return { escalations: found.map(({ escalation, timeline }) => escalationView(escalation, timeline)) };
  }
}
