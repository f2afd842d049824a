import { formatNumber, formatTable } from './table';

describe('formatNumber', () => {
  it('groups thousands and fixes the decimals', () => {
    expect(formatNumber(12345.678)).toBe('12,346');
    expect(formatNumber(1.5, 2)).toBe('1.50');
  });

  it('shows a dash for no figure', () => {
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatNumber(null)).toBe('–');
  });
});

describe('formatTable', () => {
  it('pads columns to their widest cell, numbers to the right', () => {
    const table = formatTable(['target', 'events/s'], [['vigil', '12,000'], ['alertmanager', '9']]);
    expect(table.split('\n')).toEqual(['target        events/s', '------------  --------', 'vigil           12,000', 'alertmanager         9']);
  });
});
