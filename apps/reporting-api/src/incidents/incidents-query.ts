import type { FieldProblem } from '@vigil/platform-nest';
import { decodeCursor, type IncidentCursor } from '../domain/incident-cursor.rules';
import { parseComplianceQuery, single, type ComplianceQuery, type RangeNames } from '../http/report-query';

export const IncidentRangeNames: RangeNames = { from: 'from', to: 'to' };
export const DefaultPageSize = 100;
export const MaxPageSize = 500;

export interface IncidentsQuery extends ComplianceQuery {
  cursor?: IncidentCursor;
  limit: number;
}

/** `from` (required), `to`, `service_id`, `as_of`, `cursor`, `limit`; a 400 names every bad one. */
export function parseIncidentsQuery(query: Record<string, unknown>, options: { paginated: boolean } = { paginated: true }): IncidentsQuery {
  const problems: FieldProblem[] = [];
  let cursor: IncidentCursor | undefined;
  let limit = DefaultPageSize;
  if (options.paginated) {
    const cursorText = single('cursor', query.cursor, problems);
    if (cursorText !== undefined && cursorText !== '') {
      cursor = decodeCursor(cursorText);
      if (!cursor) problems.push({ field: 'cursor', rule: 'isCursor', message: 'must be a next_cursor this API returned' });
    }
    const limitText = single('limit', query.limit, problems);
    if (limitText !== undefined && limitText !== '') {
      limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1 || limit > MaxPageSize) {
        problems.push({ field: 'limit', rule: 'isPageSize', message: `must be a whole number from 1 to ${MaxPageSize}` });
      }
    }
  }
  // Throws with every problem gathered so far, the cursor's and the limit's included.
  const range = parseComplianceQuery(query, IncidentRangeNames, problems);
  return { ...range, ...(cursor ? { cursor } : {}), limit };
}
