import fc from 'fast-check';
import { localDays } from '@vigil/sla-engine';
import { DefaultTarget } from './availability-target.rules';
import { dailyCompliance, type IncidentSpan } from './daily-compliance.rules';
import { coverage, rollupRecord, rollupRule, type RollupRow } from './daily-rollups.rules';

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => Date.parse(iso);
// 20 Berlin days around the autumn DST change (the 25th has 25 hours).
const RANGE = { start: at('2026-10-15T00:00:00+02:00'), end: at('2026-11-04T00:00:00+01:00') };
const NOW = at('2026-12-01T00:00:00Z');
const DAYS = localDays(RANGE, BERLIN);

/** What the projection stores for the days of `span`: each day computed with the days of its chunk. */
function rowsOf(incidents: IncidentSpan[], span: { start: number; end: number }): RollupRow[] {
  const days = localDays(span, BERLIN);
  return dailyCompliance({ incidents, breaches: [], target: DefaultTarget, zone: BERLIN, range: span, now: Infinity }).map((r, i) => ({
    start: days[i].start, date: r.date, compliance: r.compliance_percentage, uptime: r.uptime_minutes, downtime: r.downtime_minutes,
  }));
}

describe('coverage', () => {
  const rows = rowsOf([], RANGE);

  it('answers a range of settled days with a row each from the rollups alone', () => {
    expect(coverage(DAYS, rows, NOW, null)).toEqual({ before: rows, after: [] });
  });

  it('computes from the first to the last day without a row, and takes the rows around them', () => {
    const holes = rows.filter((_, i) => i !== 3 && i !== 6);
    expect(coverage(DAYS, holes, NOW, null)).toEqual({
      before: rows.slice(0, 3), live: { start: DAYS[3].start, end: DAYS[6].end }, after: rows.slice(7),
    });
  });

  it('computes every day from the one an open alarm started on, and the day in progress', () => {
    const openSince = at('2026-10-25T12:00:00+01:00');
    expect(coverage(DAYS, rows, NOW, openSince)).toEqual({ before: rows.slice(0, 10), live: { start: DAYS[10].start, end: RANGE.end }, after: [] });
    const today = at('2026-11-03T09:00:00+01:00');
    expect(coverage(DAYS, rows, today, null)).toEqual({ before: rows.slice(0, 19), live: { start: DAYS[19].start, end: RANGE.end }, after: [] });
  });

  it('keeps the rule of a day apart from its objective, and the zone in it', () => {
    expect(rollupRule(BERLIN, { ...DefaultTarget, objective: 99.5 })).toBe(rollupRule(BERLIN, DefaultTarget));
    expect(rollupRule('UTC', DefaultTarget)).not.toBe(rollupRule(BERLIN, DefaultTarget));
    expect(rollupRule(BERLIN, { ...DefaultTarget, countedSeverities: ['critical'] })).not.toBe(rollupRule(BERLIN, DefaultTarget));
  });
});

describe('rollups against the computation from the incidents', () => {
  const incidents = fc.array(
    fc.record({
      start: fc.integer({ min: RANGE.start - 86_400_000, max: RANGE.end }),
      minutes: fc.integer({ min: 1, max: 3_000 }),
      severity: fc.constantFrom('critical' as const, 'major' as const, 'minor' as const),
      service: fc.constantFrom('api', 'web'),
    }).map((i): IncidentSpan => ({ serviceId: i.service, severity: i.severity, startedAt: i.start, endedAt: i.start + i.minutes * 60_000 })),
    { maxLength: 25 },
  );

  it('gives every day the same record whether stored in chunks and read around a computed stretch, or computed at once', () => {
    fc.assert(fc.property(
      incidents, fc.integer({ min: 1, max: 19 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 19 }),
      (spans, chunkEnd, holeA, holeB) => {
        const whole = dailyCompliance({ incidents: spans, breaches: [], target: DefaultTarget, zone: BERLIN, range: RANGE, now: NOW });
        const rows = [
          ...rowsOf(spans, { start: DAYS[0].start, end: DAYS[chunkEnd - 1].end }),
          ...rowsOf(spans, { start: DAYS[chunkEnd].start, end: RANGE.end }),
        ].filter((_, i) => i !== holeA && i !== holeB);
        const { before, live, after } = coverage(DAYS, rows, NOW, null);
        const computed = live ? dailyCompliance({ incidents: spans, breaches: [], target: DefaultTarget, zone: BERLIN, range: live, now: NOW }) : [];
        const stored = (list: RollupRow[]) => list.map((row) => rollupRecord(row, DefaultTarget, 0));
        expect([...stored(before), ...computed, ...stored(after)]).toEqual(whole);
      },
    ), { numRuns: 200 });
  });
});
