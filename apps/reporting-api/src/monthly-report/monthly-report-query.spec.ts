import { parseMonthlyReportQuery } from './monthly-report-query';
import { problemsOf } from '../testing/bad-request';

describe('parseMonthlyReportQuery', () => {
  it('accepts a month, a service and an as_of instant', () => {
    expect(parseMonthlyReportQuery({ month: '2026-11', service_id: 'checkout-api', as_of: '2026-12-01T00:00:00Z' })).toEqual({
      month: '2026-11', serviceId: 'checkout-api', asOf: { kind: 'instant', text: '2026-12-01T00:00:00Z' },
    });
  });

  it.each([
    ['missing', {}, 'isDefined'],
    ['month 13', { month: '2026-13' }, 'isMonth'],
    ['a day', { month: '2026-11-01' }, 'isMonth'],
    ['given twice', { month: ['2026-10', '2026-11'] }, 'isSingle'],
  ])('rejects a month %s naming it', (_, query, rule) => {
    expect(problemsOf(() => parseMonthlyReportQuery(query))).toEqual([expect.objectContaining({ field: 'month', rule })]);
  });

  it('rejects an as_of that is a whole day, since its start and its end would differ', () => {
    expect(problemsOf(() => parseMonthlyReportQuery({ month: '2026-11', as_of: '2026-11-05' }))).toEqual([
      expect.objectContaining({ field: 'as_of', rule: 'isIsoDateTime' }),
    ]);
  });
});
