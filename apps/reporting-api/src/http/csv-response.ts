import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';

/**
 * Sends rows as an RFC 4180 CSV download (csv-stringify quotes what needs quoting), columns in
 * the given order under a header line.
 */
export function sendCsv<T extends object>(response: Response, filename: string, columns: Array<keyof T & string>, rows: T[]): void {
  const body = stringify(
    rows.map((row) => columns.map((column) => csvValue((row as Record<string, unknown>)[column]))),
    { header: true, columns, record_delimiter: 'windows' },
  );
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  response.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`);
  response.send(body);
}

/** Lists as space-separated text, null as an empty cell. */
function csvValue(value: unknown): string | number | boolean {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(' ');
  return value as string | number | boolean;
}
