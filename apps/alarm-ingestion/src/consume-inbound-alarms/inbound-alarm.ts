import { plainToInstance } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength, validateSync } from 'class-validator';
import { fieldProblems, type FieldProblem } from '@vigil/platform-nest';
import { AlarmChangeDto } from '../record-alarms/alarm-change.dto';
import type { AlarmChange } from '../record-alarms/decide-alarm-change';

const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** One message on `vigil.alarms.inbound.v1`: a native alarm change and the tenant it belongs to. */
export class InboundAlarmDto extends AlarmChangeDto {
  @IsString() @IsNotEmpty() @MaxLength(128) tenantId: string;
}

export type InboundAlarm = { ok: true; tenantId: string; change: AlarmChange } | { ok: false; reason: string };

/**
 * Reads one raw Kafka message with the rules of `POST /api/v1/alarms` (the same DTO and
 * the same checks after it). A message that breaks them can never succeed: the reason
 * names every field, for the dead-letter topic.
 */
export function parseInboundAlarm(value: Buffer | null, now: number): InboundAlarm {
  let body: unknown;
  try {
    body = JSON.parse(value?.toString('utf8') ?? '');
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'body: must be a JSON object: one alarm change with its tenantId' };
  }
  const dto = plainToInstance(InboundAlarmDto, body);
  const problems = fieldProblems(validateSync(dto, { forbidUnknownValues: false }));
  if (problems.length === 0) problems.push(...changeProblems(dto, now));
  if (problems.length > 0) return { ok: false, reason: problems.map((p) => `${p.field}: ${p.message}`).join('; ') };
  return {
    ok: true,
    tenantId: dto.tenantId,
    change: {
      alarmKey: dto.alarmId,
      serviceId: dto.serviceId,
      severity: dto.severity,
      status: dto.status,
      summary: dto.summary,
      source: dto.source ?? 'kafka',
      labels: dto.labels ?? {},
      occurredAt: new Date(dto.occurredAt).toISOString(),
      ...(dto.resolution ? { resolution: dto.resolution } : {}),
    },
  };
}

/** The checks POST /api/v1/alarms makes after the DTO (record-alarms.controller.ts `parseBody`). */
function changeProblems(dto: AlarmChangeDto, now: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (Date.parse(dto.occurredAt) > now + FUTURE_TOLERANCE_MS) problems.push({ field: 'occurredAt', rule: 'notInFuture', message: 'must not be in the future' });
  if (dto.labels && Object.values(dto.labels).some((v) => typeof v !== 'string')) problems.push({ field: 'labels', rule: 'stringValues', message: 'label values must be strings' });
  if (dto.resolution && dto.status !== 'cleared') problems.push({ field: 'resolution', rule: 'onlyOnClear', message: 'is only allowed when status is cleared' });
  return problems;
}
