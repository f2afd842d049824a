import { badRequest, type FieldProblem } from '@vigil/platform-nest';
import { asOfParam, serviceIdParam, single, type DateParam } from '../http/report-query';

export interface MonthlyReportQuery {
  month: string;
  serviceId?: string;
  asOf?: DateParam;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `month=YYYY-MM` (required), `service_id`, `as_of`. Throws a 400 naming every bad parameter. */
export function parseMonthlyReportQuery(query: Record<string, unknown>): MonthlyReportQuery {
  const problems: FieldProblem[] = [];
  const text = single('month', query.month, problems)?.trim();
  if (text === undefined || text === '') {
    if (!problems.some((p) => p.field === 'month')) problems.push({ field: 'month', rule: 'isDefined', message: 'is required, as YYYY-MM' });
  } else if (!MONTH.test(text)) {
    problems.push({ field: 'month', rule: 'isMonth', message: 'must be a month like 2026-11' });
  }
  const serviceId = serviceIdParam(query, problems);
  const asOf = asOfParam(query, problems);
  if (problems.length > 0 || !text) throw badRequest(problems);
  return { month: text, ...(serviceId ? { serviceId } : {}), ...(asOf ? { asOf } : {}) };
}
