import { serviceBaseUrls } from './service-urls';

describe('serviceBaseUrls', () => {
  it('defaults every service to its port on 127.0.0.1', () => {
    expect(serviceBaseUrls({})).toEqual({
      'alarm-ingestion': 'http://127.0.0.1:4001',
      'sla-calculator': 'http://127.0.0.1:4002',
      escalation: 'http://127.0.0.1:4003',
      notifier: 'http://127.0.0.1:4004',
      'reporting-api': 'http://127.0.0.1:4000',
    });
  });

  it('takes VIGIL_<SERVICE>_URL, keeping a path prefix and dropping a trailing slash', () => {
    expect(serviceBaseUrls({ VIGIL_SLA_CALCULATOR_URL: 'https://vigil.example.com/sla/', VIGIL_REPORTING_API_URL: 'http://reports:8080' })).toMatchObject({
      'sla-calculator': 'https://vigil.example.com/sla',
      'reporting-api': 'http://reports:8080',
    });
  });

  it('names the variable holding a malformed URL', () => {
    expect(() => serviceBaseUrls({ VIGIL_NOTIFIER_URL: 'notifier:4004' })).toThrow(/^VIGIL_NOTIFIER_URL/);
    expect(() => serviceBaseUrls({ VIGIL_ESCALATION_URL: '127.0.0.1:4003' })).toThrow(/^VIGIL_ESCALATION_URL/);
  });
});
