import { decodeCursor, encodeCursor, queryDigest } from './incident-cursor.rules';

describe('incident cursors', () => {
  it('round-trips where a page ended and the query it belongs to', () => {
    const cursor = { startedAt: Date.parse('2026-11-05T10:00:00Z'), id: '42', query: queryDigest({ tenantId: 'acme', start: 1, end: 2 }) };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('gives the same digest whatever the order of the parameters, and another for another query', () => {
    expect(queryDigest({ a: 1, b: 'x' })).toBe(queryDigest({ b: 'x', a: 1 }));
    expect(queryDigest({ a: 1, b: 'x' })).not.toBe(queryDigest({ a: 1, b: 'y' }));
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['JSON of another shape', Buffer.from(JSON.stringify({ s: 'yesterday', i: '1', q: 'x' })).toString('base64url')],
    ['an id that is no row id', Buffer.from(JSON.stringify({ s: 1, i: '1; drop table', q: 'x' })).toString('base64url')],
  ])('refuses %s', (_, text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });
});
