import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Principal } from '@vigil/auth';
import { Authenticated, CurrentPrincipal, badRequest, fieldProblems } from '@vigil/platform-nest';
import { AlarmBatchDto, AlarmChangeDto } from './alarm-change.dto';
import type { AlarmChange } from './decide-alarm-change';
import { RecordAlarmsHandler, type RecordResponse } from './record-alarms.handler';

const FUTURE_TOLERANCE_MS = 5 * 60_000;

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
    return this.handler.record(principal.tenantId, changes.map(toChange), idempotencyKey);
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
    changes.forEach((change, i) => {
      const field = batch ? `alarms.${i}.occurredAt` : 'occurredAt';
      if (Date.parse(change.occurredAt) > Date.now() + FUTURE_TOLERANCE_MS) problems.push({ field, rule: 'notInFuture', message: 'must not be in the future' });
      if (change.labels && Object.values(change.labels).some((v) => typeof v !== 'string')) {
        problems.push({ field: batch ? `alarms.${i}.labels` : 'labels', rule: 'stringValues', message: 'label values must be strings' });
      }
      if (change.resolution && change.status !== 'cleared') {
        problems.push({ field: batch ? `alarms.${i}.resolution` : 'resolution', rule: 'onlyOnClear', message: 'is only allowed when status is cleared' });
      }
    });
  }
  if (problems.length > 0) throw badRequest(problems);
  return changes;
}

function toChange(dto: AlarmChangeDto): AlarmChange {
  return {
    alarmKey: dto.alarmId,
    serviceId: dto.serviceId,
    severity: dto.severity,
    status: dto.status,
    summary: dto.summary,
    source: dto.source ?? 'api',
    labels: dto.labels ?? {},
    occurredAt: new Date(dto.occurredAt).toISOString(),
    resolution: dto.resolution,
  };
}
