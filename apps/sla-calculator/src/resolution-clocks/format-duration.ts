const UNITS: ReadonlyArray<readonly [string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]];

/** Milliseconds as people write durations in Vigil's documents: `20s`, `4h`, `1h30m`, `1.5s`. */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  let rest = Math.round(ms);
  let text = '';
  for (const [unit, size] of UNITS) {
    const whole = Math.floor(rest / size);
    if (whole > 0) {
      text += `${whole}${unit}`;
      rest -= whole * size;
    }
  }
  if (rest > 0) text += `${Number((rest / 1000).toFixed(3))}s`;
  return text;
}
