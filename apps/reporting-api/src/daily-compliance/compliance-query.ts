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
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
// An unencoded `+` in a query string arrives as a space: `...T00:00:00 01:00`.
const SPACE_FOR_PLUS = /^(.*T[\d:.]+) (\d{2}(:?\d{2})?)$/;

function single(name: string, value: unknown, problems: FieldProblem[]): string | undefined {
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

/** Checks what can be checked without the tenant: presence, syntax, real calendar dates. Throws a 400 naming the parameter. */
export function parseComplianceQuery(query: Record<string, unknown>): ComplianceQuery {
  const problems: FieldProblem[] = [];
  const fromText = single('from_date', query.from_date, problems);
  const toText = single('to_date', query.to_date, problems);
  const serviceText = single('service_id', query.service_id, problems);
  let from: DateParam | undefined;
  if (fromText === undefined || fromText.trim() === '') {
    if (!problems.some((p) => p.field === 'from_date')) problems.push({ field: 'from_date', rule: 'isDefined', message: 'is required' });
  } else {
    from = dateParam('from_date', fromText, problems);
  }
  // An empty `to_date=` is the same as leaving it out: up to now.
  const to = toText === undefined || toText.trim() === '' ? undefined : dateParam('to_date', toText, problems);
  const serviceId = serviceText?.trim();
  if (serviceText !== undefined && (!serviceId || serviceId.length > 256)) {
    problems.push({ field: 'service_id', rule: 'isServiceId', message: 'must be a service id of 1 to 256 characters' });
  }
  if (problems.length > 0 || !from) throw badRequest(problems);
  return { from, ...(to ? { to } : {}), ...(serviceId ? { serviceId } : {}) };
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
export function resolveComplianceRange(query: ComplianceQuery, zone: string, now: number): Interval {
  const start = instantOf(query.from, zone, 'start');
  const end = query.to ? instantOf(query.to, zone, 'end') : now;
  // A calendar to_date ends at the next midnight, so reaching it means from_date lies after that day.
  if (start > end || (query.to?.kind === 'date' && start >= end)) {
    throw badRequest([{
      field: 'from_date',
      rule: 'isNotAfterToDate',
      message: query.to ? 'must not be after to_date' : 'must not be in the future (to_date defaults to now)',
    }]);
  }
  // Local days, so a range across a DST change is measured in days as people count them.
  if (end > DateTime.fromMillis(start, { zone }).plus({ days: MaxRangeDays }).toMillis()) {
    throw badRequest([{
      field: query.to ? 'to_date' : 'from_date',
      rule: 'maxRange',
      message: `the range from from_date to to_date may span at most ${MaxRangeDays} days`,
    }]);
  }
  return { start, end };
}
