import { formatDuration } from './format-duration';

describe('formatDuration', () => {
  it.each([
    [20_000, '20s'],
    [1_500, '1.5s'],
    [4 * 3_600_000, '4h'],
    [5_400_000, '1h30m'],
    [2 * 86_400_000 + 60_000, '2d1m'],
    [0, '0s'],
  ])('writes %i ms as %s', async (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
