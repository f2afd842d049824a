import { DateTime } from 'luxon';
import { badRequest, type FieldProblem } from '@vigil/platform-nest';
import type { Interval } from '@vigil/sla-engine';

export const MaxRangeDays = 90;

/** A date parameter as written: a calendar date (a whole local day) or a point in time. */
export type DateParam = { kind: 'date'; text: string } | { kind: 'instant'; text: string };

export interface ComplianceQuery {
  from: DateParam;
  to?: DateParam;
  serviceId?: string;
  /** Answer with the events recorded up to this instant (a local date-time is in the tenant's zone). */
  asOf?: DateParam;
}

/** How an endpoint names its range: compliance says `from_date`/`to_date`, incidents `from`/`to`. */
export interface RangeNames {
  from: string;
  to: string;
}

export const ComplianceNames: RangeNames = { from: 'from_date', to: 'to_date' };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
// An unencoded `+` in a query string arrives as a space: `...T00:00:00 01:00`.
const SPACE_FOR_PLUS = /^(.*T[\d:.]+) (\d{2}(:?\d{2})?)$/;

export function single(name: string, value: unknown, problems: FieldProblem[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push({ field: name, rule: 'isSingle', message: 'must be given once, as a plain value' });
    return undefined;
  }
  return value;
}

function dateParam(name: string, raw: string, problems: FieldProblem[]): DateParam | undefined {
  const text = raw.trim().replace(SPACE_FOR_PLUS, '$1+$2');
  // Syntax and calendar validity do not depend on the zone, so UTC serves to check them.
  if (DATE.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid) return { kind: 'date', text };
  if (DATE_TIME.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid) return { kind: 'instant', text };
  problems.push({
    field: name,
    rule: 'isIsoDate',
    message: 'must be an ISO 8601 date (2026-11-03, a whole day in the tenant\'s time zone) or date-time (2026-11-03T08:00:00Z)',
  });
  return undefined;
}

/** `service_id`, trimmed; a problem when blank or too long. */
export function serviceIdParam(query: Record<string, unknown>, problems: FieldProblem[]): string | undefined {
  const serviceText = single('service_id', query.service_id, problems);
  const serviceId = serviceText?.trim();
  if (serviceText !== undefined && (!serviceId || serviceId.length > 256)) {
    problems.push({ field: 'service_id', rule: 'isServiceId', message: 'must be a service id of 1 to 256 characters' });
  }
  return serviceId || undefined;
}

/** `as_of`, a date-time (a whole day would be ambiguous: its start or its end?). */
export function asOfParam(query: Record<string, unknown>, problems: FieldProblem[]): DateParam | undefined {
  const text = single('as_of', query.as_of, problems);
  if (text === undefined || text.trim() === '') return undefined;
  const param = dateParam('as_of', text, problems);
  if (param?.kind === 'date') {
    problems.push({ field: 'as_of', rule: 'isIsoDateTime', message: 'must be an ISO 8601 date-time such as 2026-11-03T08:00:00Z' });
    return undefined;
  }
  return param;
}

/** Checks what can be checked without the tenant: presence, syntax, real calendar dates. Throws a 400 naming the parameter. */
export function parseComplianceQuery(query: Record<string, unknown>, names: RangeNames = ComplianceNames, problems: FieldProblem[] = []): ComplianceQuery {
  const fromText = single(names.from, query[names.from], problems);
  const toText = single(names.to, query[names.to], problems);
  let from: DateParam | undefined;
  if (fromText === undefined || fromText.trim() === '') {
    if (!problems.some((p) => p.field === names.from)) problems.push({ field: names.from, rule: 'isDefined', message: 'is required' });
  } else {
    from = dateParam(names.from, fromText, problems);
  }
  // An empty `to_date=` is the same as leaving it out: up to now.
  const to = toText === undefined || toText.trim() === '' ? undefined : dateParam(names.to, toText, problems);
  const serviceId = serviceIdParam(query, problems);
  const asOf = asOfParam(query, problems);
  if (problems.length > 0 || !from) throw badRequest(problems);
  return { from, ...(to ? { to } : {}), ...(serviceId ? { serviceId } : {}), ...(asOf ? { asOf } : {}) };
}

/** The instant `as_of` names (the tenant's zone reads a local date-time), else `now`; 400 when it is in the future. */
export function resolveAsOf(asOf: DateParam | undefined, zone: string, now: number): number {
  if (!asOf) return now;
  const instant = DateTime.fromISO(asOf.text, { zone }).toMillis();
  if (instant > now) throw badRequest([{ field: 'as_of', rule: 'isNotInTheFuture', message: 'must not be in the future' }]);
  return instant;
}

/** A calendar date starts at its local midnight (as `from`) or ends at the next one (as `to`: the day is included). */
function instantOf(param: DateParam, zone: string, edge: 'start' | 'end'): number {
  const parsed = DateTime.fromISO(param.text, { zone });
  if (param.kind === 'instant') return parsed.toMillis();
  const day = parsed.startOf('day');
  return (edge === 'start' ? day : day.plus({ days: 1 }).startOf('day')).toMillis();
}

/**
 * The range in the tenant's zone: [from, to), `to` defaulting to `now`. 400 when `from` is
 * after `to` or the range is longer than 90 local days.
 */
export function resolveComplianceRange(query: ComplianceQuery, zone: string, now: number, names: RangeNames = ComplianceNames): Interval {
  const start = instantOf(query.from, zone, 'start');
  const end = query.to ? instantOf(query.to, zone, 'end') : now;
  // A calendar to_date ends at the next midnight, so reaching it means from_date lies after that day.
  if (start > end || (query.to?.kind === 'date' && start >= end)) {
    throw badRequest([{
      field: names.from,
      rule: names.from === 'from_date' ? 'isNotAfterToDate' : 'isNotAfterTo',
      message: query.to ? `must not be after ${names.to}` : `must not be in the future (${names.to} defaults to now)`,
    }]);
  }
  // Local days, so a range across a DST change is measured in days as people count them.
  if (end > DateTime.fromMillis(start, { zone }).plus({ days: MaxRangeDays }).toMillis()) {
    throw badRequest([{
      field: query.to ? names.to : names.from,
      rule: 'maxRange',
      message: `the range from ${names.from} to ${names.to} may span at most ${MaxRangeDays} days`,
    }]);
  }
  return { start, end };
}
