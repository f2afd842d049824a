import { encodeCursor } from '../domain/incident-cursor.rules';
import { DefaultPageSize, parseIncidentsQuery } from './incidents-query';
import { problemsOf } from '../testing/bad-request';

describe('parseIncidentsQuery', () => {
  it('reads the range as from and to, with a default page size', () => {
    expect(parseIncidentsQuery({ from: '2026-11-05', to: '2026-11-06', service_id: 'checkout-api' })).toEqual({
      from: { kind: 'date', text: '2026-11-05' }, to: { kind: 'date', text: '2026-11-06' }, serviceId: 'checkout-api', limit: DefaultPageSize,
    });
  });

  it('takes a cursor it issued and a page size', () => {
    const cursor = { startedAt: 1, id: '7', query: 'q' };
    expect(parseIncidentsQuery({ from: '2026-11-05', cursor: encodeCursor(cursor), limit: '20' })).toMatchObject({ cursor, limit: 20 });
  });

  it('names every bad parameter at once: cursor, limit and the range', () => {
    expect(problemsOf(() => parseIncidentsQuery({ from: 'then', cursor: 'garbage', limit: '0' })).map((p) => [p.field, p.rule])).toEqual([
      ['cursor', 'isCursor'], ['limit', 'isPageSize'], ['from', 'isIsoDate'],
    ]);
  });

  it('rejects a page size over the maximum and a missing from', () => {
    expect(problemsOf(() => parseIncidentsQuery({ limit: '501' })).map((p) => p.field)).toEqual(['limit', 'from']);
  });

  it('ignores cursor and limit for the CSV, which has every row', () => {
    expect(parseIncidentsQuery({ from: '2026-11-05', cursor: 'garbage', limit: '0' }, { paginated: false })).toEqual({
      from: { kind: 'date', text: '2026-11-05' }, limit: DefaultPageSize,
    });
  });
});
