import { creditPercentage } from './sla-credit.rules';

const standard = [
  { below: 99.9, credit: 10 },
  { below: 99.0, credit: 25 },
  { below: 95.0, credit: 100 },
];

describe('SLA credit', () => {
  it.each([
    [100, 0],
    [99.95, 0],
    [99.9, 0],
    [99.89, 10],
    [99.0, 10],
    [98.99, 25],
    [95.0, 25],
    [94.99, 100],
    [0, 100],
  ])('grants at %s %% compliance a %s %% credit', (compliance, credit) => {
    expect(creditPercentage(compliance, standard)).toBe(credit);
  });

  it('does not depend on the order the tiers are listed in', () => {
    expect(creditPercentage(98, [...standard].reverse())).toBe(25);
  });

  it('grants nothing without tiers', () => {
    expect(creditPercentage(50, [])).toBe(0);
  });
});
