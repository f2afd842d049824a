import { Body, Controller, Headers, HttpCode, Post, UseFilters } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal, badRequest, fieldProblems } from '@vigil/platform-nest';
import { AlarmBatchDto, AlarmChangeDto, alarmChangeProblems, toAlarmChange } from './alarm-change.dto';
import { RecordAlarmsHandler, type RecordResponse } from './record-alarms.handler';
import { RecordAlarmsErrorsFilter } from './record-alarms.errors';

@UseFilters(RecordAlarmsErrorsFilter)
@Controller('api/v1/alarms')
export class RecordAlarmsController {
  constructor(private readonly handler: RecordAlarmsHandler) {}

  /** One alarm change, or `{ "alarms": [...] }` up to 1,000; a result per alarm. */
  @Post()
  @HttpCode(202)
  @Authenticated('alarms:write')
  async record(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RecordResponse> {
    const changes = await parseBody(body);
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
      throw badRequest([{ field: 'Idempotency-Key', rule: 'length', message: 'must be 1 to 255 characters' }]);
    }
    return this.handler.record(principal.tenantId, changes.map((c) => toAlarmChange(c, 'api')), idempotencyKey);
  }
}

async function parseBody(body: unknown): Promise<AlarmChangeDto[]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest([{ field: 'body', rule: 'isObject', message: 'must be an alarm change or { "alarms": [...] }' }]);
  }
  const batch = 'alarms' in body;
  const dto = batch ? plainToInstance(AlarmBatchDto, body) : plainToInstance(AlarmChangeDto, body);
  const problems = fieldProblems(await validate(dto, { forbidUnknownValues: false }));
  const changes = batch ? (dto as AlarmBatchDto).alarms : [dto as AlarmChangeDto];
  if (problems.length === 0) {
    const now = Date.now();
    changes.forEach((change, i) => problems.push(...alarmChangeProblems(change, now, batch ? `alarms.${i}.` : '')));
  }
  if (problems.length > 0) throw badRequest(problems);
  return changes;
}
