import type { BadRequestException } from '@nestjs/common';
import { parseComplianceQuery, resolveAsOf, resolveComplianceRange } from './report-query';
import { problemsOf } from '../testing/bad-request';

const BERLIN = 'Europe/Berlin';
const NOW = Date.parse('2026-11-22T10:00:00Z');

const fieldsOf = (act: () => unknown) => problemsOf(act).map((p) => p.field);

describe('parseComplianceQuery', () => {
  it('accepts calendar dates and a service id', () => {
    expect(parseComplianceQuery({ from_date: '2026-11-02', to_date: '2026-11-03', service_id: 'checkout-api' })).toEqual({
      from: { kind: 'date', text: '2026-11-02' },
      to: { kind: 'date', text: '2026-11-03' },
      serviceId: 'checkout-api',
    });
  });

  it('accepts instants with Z, with an offset, and with an unencoded + that arrived as a space', () => {
    expect(parseComplianceQuery({ from_date: '2026-11-02T08:00:00Z' }).from).toEqual({ kind: 'instant', text: '2026-11-02T08:00:00Z' });
    expect(parseComplianceQuery({ from_date: '2026-11-02T08:00:00.250-05:00' }).from.kind).toBe('instant');
    expect(parseComplianceQuery({ from_date: '2026-11-02T08:00:00 01:00' }).from).toEqual({ kind: 'instant', text: '2026-11-02T08:00:00+01:00' });
  });

  it('leaves to_date out when it is absent or empty', () => {
    expect(parseComplianceQuery({ from_date: '2026-11-02' }).to).toBeUndefined();
    expect(parseComplianceQuery({ from_date: '2026-11-02', to_date: '' }).to).toBeUndefined();
  });

  it('rejects a missing from_date naming it', () => {
    expect(problemsOf(() => parseComplianceQuery({}))).toEqual([expect.objectContaining({ field: 'from_date', rule: 'isDefined' })]);
  });

  it.each([
    ['not a date', 'yesterday'],
    ['an impossible day', '2026-02-30'],
    ['a month only', '2026-11'],
    ['a week date', '2026-W45'],
    ['an hour out of range', '2026-11-02T25:00:00Z'],
  ])('rejects %s in from_date naming it', (_, value) => {
    expect(problemsOf(() => parseComplianceQuery({ from_date: value }))).toEqual([
      expect.objectContaining({ field: 'from_date', rule: 'isIsoDate' }),
    ]);
  });

  it('rejects an unparsable to_date naming it', () => {
    expect(fieldsOf(() => parseComplianceQuery({ from_date: '2026-11-02', to_date: '11/03/2026' }))).toEqual(['to_date']);
  });

  it('names every bad parameter at once', () => {
    expect(fieldsOf(() => parseComplianceQuery({ from_date: 'x', to_date: 'y', service_id: ' ' }))).toEqual(['from_date', 'to_date', 'service_id']);
  });

  it('rejects a parameter given twice', () => {
    expect(problemsOf(() => parseComplianceQuery({ from_date: ['2026-11-01', '2026-11-02'] }))).toEqual([
      expect.objectContaining({ field: 'from_date', rule: 'isSingle' }),
    ]);
  });

  it('says which parameter in the message too', () => {
    const error = (() => {
      try {
        parseComplianceQuery({ from_date: 'soon' });
      } catch (e) {
        return e as BadRequestException;
      }
      throw new Error('expected a 400');
    })();
    expect((error.getResponse() as { message: string }).message).toMatch(/^from_date: /);
  });
});

describe('resolveComplianceRange', () => {
  const range = (query: Record<string, unknown>, zone = BERLIN) => resolveComplianceRange(parseComplianceQuery(query), zone, NOW);

  it('reads calendar dates as whole local days, to_date included', () => {
    expect(range({ from_date: '2026-11-02', to_date: '2026-11-03' })).toEqual({
      start: Date.parse('2026-11-02T00:00:00+01:00'),
      end: Date.parse('2026-11-04T00:00:00+01:00'),
    });
  });

  it('reads the same dates in another zone as that zone\'s days', () => {
    expect(range({ from_date: '2026-11-02', to_date: '2026-11-02' }, 'America/New_York')).toEqual({
      start: Date.parse('2026-11-02T00:00:00-05:00'),
      end: Date.parse('2026-11-03T00:00:00-05:00'),
    });
  });

  it('takes instants as they are, and a local date-time without offset in the tenant zone', () => {
    expect(range({ from_date: '2026-11-02T08:00:00Z', to_date: '2026-11-02T12:00' })).toEqual({
      start: Date.parse('2026-11-02T08:00:00Z'),
      end: Date.parse('2026-11-02T12:00:00+01:00'),
    });
  });

  it('runs to now when to_date is left out', () => {
    expect(range({ from_date: '2026-11-20' }).end).toBe(NOW);
  });

  it('rejects from_date after to_date naming from_date', () => {
    expect(problemsOf(() => range({ from_date: '2026-11-05', to_date: '2026-11-04' }))).toEqual([
      expect.objectContaining({ field: 'from_date', rule: 'isNotAfterToDate' }),
    ]);
  });

  it('accepts one calendar day as both ends, and a from_date instant inside the to_date day', () => {
    expect(range({ from_date: '2026-11-04', to_date: '2026-11-04' })).toEqual({
      start: Date.parse('2026-11-04T00:00:00+01:00'),
      end: Date.parse('2026-11-05T00:00:00+01:00'),
    });
    expect(range({ from_date: '2026-11-04T12:00:00+01:00', to_date: '2026-11-04' }).end).toBe(Date.parse('2026-11-05T00:00:00+01:00'));
  });

  it('rejects a from_date instant after the whole to_date day', () => {
    expect(fieldsOf(() => range({ from_date: '2026-11-05T00:00:00+01:00', to_date: '2026-11-04' }))).toEqual(['from_date']);
  });

  it('rejects a from_date in the future when to_date defaults to now', () => {
    expect(fieldsOf(() => range({ from_date: '2026-12-01' }))).toEqual(['from_date']);
  });

  it('accepts exactly 90 local days, across a DST change', () => {
    expect(() => range({ from_date: '2026-01-01', to_date: '2026-03-31' })).not.toThrow();
    expect(() => range({ from_date: '2026-09-01', to_date: '2026-11-29' })).not.toThrow();
  });

  it('rejects 91 days naming to_date', () => {
    expect(problemsOf(() => range({ from_date: '2026-01-01', to_date: '2026-04-01' }))).toEqual([
      expect.objectContaining({ field: 'to_date', rule: 'maxRange' }),
    ]);
  });

  it('names from_date for a range over 90 days that runs to now', () => {
    expect(fieldsOf(() => range({ from_date: '2026-08-01' }))).toEqual(['from_date']);
  });
});

describe('as_of', () => {
  it('is parsed with the range and read in the tenant\'s zone when it has no offset', () => {
    const query = parseComplianceQuery({ from_date: '2026-11-02', as_of: '2026-11-10T12:00' });
    expect(query.asOf).toEqual({ kind: 'instant', text: '2026-11-10T12:00' });
    expect(resolveAsOf(query.asOf, BERLIN, NOW)).toBe(Date.parse('2026-11-10T12:00:00+01:00'));
  });

  it('is now when left out', () => {
    expect(resolveAsOf(undefined, BERLIN, NOW)).toBe(NOW);
  });

  it('rejects a moment in the future naming as_of', () => {
    expect(problemsOf(() => resolveAsOf({ kind: 'instant', text: '2026-11-23T00:00:00Z' }, BERLIN, NOW))).toEqual([
      expect.objectContaining({ field: 'as_of', rule: 'isNotInTheFuture' }),
    ]);
  });

  it('names from and to for a range named that way', () => {
    const names = { from: 'from', to: 'to' };
    expect(problemsOf(() => parseComplianceQuery({ to: 'soon' }, names)).map((p) => p.field)).toEqual(['from', 'to']);
    expect(problemsOf(() => resolveComplianceRange(parseComplianceQuery({ from: '2026-11-05', to: '2026-11-04' }, names), BERLIN, NOW, names))).toEqual([
      expect.objectContaining({ field: 'from', rule: 'isNotAfterTo' }),
    ]);
  });
});
