import { availabilityTargetOf, DefaultTarget, InvalidPolicySpecError, selectTarget, type AvailabilityTarget } from './availability-target.rules';

const target = (policy: string, objective: number, scope: Partial<AvailabilityTarget> = {}): AvailabilityTarget => ({
  policy, objective, countedSeverities: ['critical', 'major'], minimumOutageMs: 0, ...scope,
});

describe('availabilityTargetOf', () => {
  it('keeps what the report needs from an availability policy', () => {
    expect(
      availabilityTargetOf('checkout-availability', {
        type: 'availability', services: ['checkout-api'], objective: 99.9, window: 'calendar-month',
        countedSeverities: ['critical'], minimumOutage: '2m', creditSchedule: 'standard',
      }),
    ).toEqual({
      policy: 'checkout-availability', services: ['checkout-api'], objective: 99.9, countedSeverities: ['critical'], minimumOutageMs: 120_000,
      creditSchedule: 'standard',
    });
  });

  it('keeps how the policy counts maintenance', () => {
    expect(availabilityTargetOf('p', { type: 'availability', services: ['*'], objective: 99, maintenance: 'count-as-uptime' })?.maintenanceMode).toBe('count-as-uptime');
  });

  it('counts critical and major by default and keeps a label selector', () => {
    expect(availabilityTargetOf('payments', { type: 'availability', selector: { matchLabels: { team: 'payments' } }, objective: 99.5 })).toEqual({
      policy: 'payments', selector: { matchLabels: { team: 'payments' } }, objective: 99.5, countedSeverities: ['critical', 'major'], minimumOutageMs: 0,
    });
  });

  it('has no availability target for a resolution policy', () => {
    expect(availabilityTargetOf('incident-resolution', { type: 'resolution', services: ['*'], objectives: { critical: '4h' } })).toBeUndefined();
  });

  it.each([
    ['a missing objective', { type: 'availability', services: ['*'] }],
    ['an objective over 100', { type: 'availability', services: ['*'], objective: 120 }],
    ['an unknown severity', { type: 'availability', services: ['*'], objective: 99, countedSeverities: ['catastrophic'] }],
    ['a minimum outage that is no duration', { type: 'availability', services: ['*'], objective: 99, minimumOutage: 'soon' }],
    ['an unknown maintenance rule', { type: 'availability', services: ['*'], objective: 99, maintenance: 'ignore' }],
  ])('refuses %s', (_, spec) => {
    expect(() => availabilityTargetOf('p', spec)).toThrow(InvalidPolicySpecError);
  });
});

describe('selectTarget', () => {
  const everything = target('all-services', 99.0, { services: ['*'] });
  const checkout = target('checkout', 99.5, { services: ['checkout-api'], countedSeverities: ['critical'] });
  const payments = target('payments-team', 99.95, { selector: { matchLabels: { team: 'payments' } } });

  it('falls back to 99.9 % counting critical and major when the tenant has no availability policy', () => {
    expect(selectTarget([], 'checkout-api')).toEqual(DefaultTarget);
    expect(selectTarget([])).toEqual({ policy: null, objective: 99.9, countedSeverities: ['critical', 'major'], minimumOutageMs: 0 });
  });

  it('prefers the policy naming the service over a label selector and over *', () => {
    expect(selectTarget([everything, payments, checkout], 'checkout-api', { team: 'payments' })).toMatchObject({
      policy: 'checkout', objective: 99.5, countedSeverities: ['critical'],
    });
  });

  it('selects by the service\'s labels before falling back to *', () => {
    expect(selectTarget([everything, payments], 'ledger-api', { team: 'payments' }).policy).toBe('payments-team');
    expect(selectTarget([everything, payments], 'ledger-api', { team: 'search' }).policy).toBe('all-services');
  });

  it('uses the default for a service no policy covers', () => {
    expect(selectTarget([checkout], 'search-api')).toEqual(DefaultTarget);
  });

  it('takes the strictest of equally specific policies', () => {
    expect(selectTarget([checkout, target('checkout-gold', 99.99, { services: ['checkout-api'] })], 'checkout-api').policy).toBe('checkout-gold');
  });

  it('measures the whole tenant against the policy covering every service, else its strictest promise', () => {
    expect(selectTarget([checkout, everything, payments]).policy).toBe('all-services');
    expect(selectTarget([checkout, payments]).policy).toBe('payments-team');
  });
});
