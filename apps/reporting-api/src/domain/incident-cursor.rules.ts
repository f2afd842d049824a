import { createHash } from 'node:crypto';

/** Where a page ended: the last incident's start (as stored) and id, and which query it belongs to. */
export interface IncidentCursor {
  startedAt: number;
  id: string;
  /** A digest of the query the cursor was issued for: a cursor is no good for another one. */
  query: string;
}

/** A short digest of the parameters that shape the list (not the cursor and the page size). */
export function queryDigest(parts: Record<string, string | number | undefined>): string {
  return createHash('sha256').update(JSON.stringify(Object.entries(parts).sort(([a], [b]) => a.localeCompare(b)))).digest('base64url').slice(0, 12);
}

/** Opaque to clients: base64url of a small JSON document, so the ordering key can change without breaking the contract. */
export function encodeCursor(cursor: IncidentCursor): string {
  return Buffer.from(JSON.stringify({ s: cursor.startedAt, i: cursor.id, q: cursor.query })).toString('base64url');
}

/** The cursor, or undefined when the text is not one this service issued. */
export function decodeCursor(text: string): IncidentCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { s?: unknown; i?: unknown; q?: unknown };
    if (typeof value.s !== 'number' || !Number.isFinite(value.s) || typeof value.i !== 'string' || !/^\d{1,19}$/.test(value.i) || typeof value.q !== 'string') return undefined;
    return { startedAt: value.s, id: value.i, query: value.q };
  } catch {
    return undefined;
  }
}
