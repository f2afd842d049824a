import { plainToInstance } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength, validateSync } from 'class-validator';
import { fieldProblems } from '@vigil/platform-nest';
import { AlarmChangeDto, alarmChangeProblems, toAlarmChange } from '../record-alarms/alarm-change.dto';
import type { AlarmChange } from '../record-alarms/decide-alarm-change';

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
  if (problems.length === 0) problems.push(...alarmChangeProblems(dto, now));
  if (problems.length > 0) return { ok: false, reason: problems.map((p) => `${p.field}: ${p.message}`).join('; ') };
  return { ok: true, tenantId: dto.tenantId, change: toAlarmChange(dto, 'kafka') };
}
