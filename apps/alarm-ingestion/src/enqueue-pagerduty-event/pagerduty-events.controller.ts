import { BadRequestException, Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal, fieldProblems, type FieldProblem } from '@vigil/platform-nest';
import { RecordAlarmsHandler, type AlarmOutcome } from '../record-alarms/record-alarms.handler';
import { PagerDutyActions, PagerDutyEventDto, PagerDutyFollowUpDto, PagerDutyTriggerDto, type PagerDutyEvent } from './pagerduty-event.dto';
import { mapPagerDutyEvent, pagerDutyProblems } from './map-pagerduty-event';
import { RecordAlarmsErrorsFilter } from '../record-alarms/record-alarms.errors';

/** PagerDuty's answer, plus what Vigil did with the event (clients ignore fields they do not know). */
export interface PagerDutyAccepted {
  status: 'success';
  message: 'Event processed';
  dedup_key: string;
  vigil: Omit<AlarmOutcome, 'alarmId'>;
}

/**
 * PagerDuty Events API v2 (`/v2/enqueue`) for any tool that speaks it: point the tool's
 * events URL here and give it a Vigil token as bearer. Answers as PagerDuty does — 202
 * with `dedup_key`, 400 `invalid event` with `errors` — so those tools handle Vigil's
 * answers as they handle PagerDuty's (retry 429 and 5xx, never 400).
 */
@UseFilters(RecordAlarmsErrorsFilter)
@Controller('api/v1/integrations/pagerduty')
export class PagerDutyEventsController {
  constructor(private readonly handler: RecordAlarmsHandler) {}

  @Post('enqueue')
  @HttpCode(202)
  @Authenticated('alarms:write')
  async enqueue(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<PagerDutyAccepted> {
    const event = await parseEvent(body);
    const { dedupKey, change } = mapPagerDutyEvent(event, new Date().toISOString(), randomUUID);
    const { results: [outcome] } = await this.handler.record(principal.tenantId, [change]);
    const { alarmId: _, ...vigil } = outcome;
    return { status: 'success', message: 'Event processed', dedup_key: dedupKey, vigil };
  }
}

/** PagerDuty's 400: `errors` lists each problem, naming its field. */
export function invalidEvent(problems: FieldProblem[]): BadRequestException {
  return new BadRequestException({
    status: 'invalid event',
    message: 'Event object is invalid',
    errors: problems.map((p) => `${p.field}: ${p.message}`),
  });
}

async function parseEvent(body: unknown): Promise<PagerDutyEvent> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidEvent([{ field: 'body', rule: 'isObject', message: 'must be a PagerDuty Events API v2 event (a JSON object)' }]);
  }
  const action = (body as { event_action?: unknown }).event_action;
  // The action decides what else is required: a trigger needs its payload, the others a dedup_key.
  const type = action === 'trigger' ? PagerDutyTriggerDto : (PagerDutyActions as readonly unknown[]).includes(action) ? PagerDutyFollowUpDto : PagerDutyEventDto;
  const event = plainToInstance(type, body) as PagerDutyEvent;
  const problems = fieldProblems(await validate(event, { forbidUnknownValues: false }));
  if (problems.length === 0) problems.push(...pagerDutyProblems(event, Date.now()));
  if (problems.length > 0) throw invalidEvent(problems);
  return event;
}
