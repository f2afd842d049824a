import { parseBenchArgs } from '../main';
import { DefaultReportOptions } from './report.scenario';

describe('the report scenario\'s options', () => {
  it('defaults to a million alarms over 10 tenants and 100 services, 200 timed requests per case', () => {
    expect(parseBenchArgs(['report']).options.report).toEqual(DefaultReportOptions);
    expect(DefaultReportOptions).toMatchObject({ alarms: 1_000_000, tenants: 10, servicesPerTenant: 10, requests: 200 });
  });

  it('takes smaller runs and refuses counts out of bounds before anything starts', () => {
    expect(parseBenchArgs(['report', '--report-alarms', '20000', '--report-requests', '20', '--report-warmup', '0']).options.report).toMatchObject({
      alarms: 20_000, requests: 20, warmup: 0,
    });
    expect(() => parseBenchArgs(['report', '--report-alarms', '10'])).toThrow(/--report-alarms must be a whole number from 1000/);
    expect(() => parseBenchArgs(['report', '--report-requests', 'many'])).toThrow(/--report-requests/);
  });
});
