import type { Severity } from '@vigil/contracts';
import { countedIntervals, latestSeverity, severitySegments, type IncidentTimes, type SeverityChange } from './severity-history';

const at = (hhmm: string) => Date.parse(`2026-11-03T${hhmm}:00.000Z`);
const change = (hhmm: string, severity: Severity, rank: number): SeverityChange => ({ at: at(hhmm), severity, rank });
const span = (from: string, to: string | null): IncidentTimes => ({ startedAt: at(from), endedAt: to === null ? null : at(to) });
const COUNTED = new Set<Severity>(['critical', 'major']);

const given = (incident: IncidentTimes, ...changes: SeverityChange[]) => ({
  segments: () => severitySegments(incident, changes, 'critical').map((s) => [new Date(s.start).toISOString().slice(11, 16), s.end === Infinity ? '…' : new Date(s.end).toISOString().slice(11, 16), s.severity]),
  counted: () => countedIntervals(incident, changes, 'critical', COUNTED).map((i) => (i.end - i.start) / 60_000),
});

describe('severitySegments', () => {
  it('counts warning 10:00 → critical 10:20 → cleared 11:00 as 40 minutes down', () => {
    const incident = given(span('10:00', '11:00'), change('10:00', 'warning', 1), change('10:20', 'critical', 2));
    expect(incident.segments()).toEqual([['10:00', '10:20', 'warning'], ['10:20', '11:00', 'critical']]);
    expect(incident.counted()).toEqual([40]);
  });

  it('stops counting at a change from critical to warning', () => {
    expect(given(span('10:00', '11:00'), change('10:00', 'critical', 1), change('10:15', 'warning', 2)).counted()).toEqual([15]);
  });

  it('counts an active alarm at a counted severity up to the end of time (the report cuts it at now)', () => {
    expect(given(span('10:00', null), change('10:00', 'minor', 1), change('10:30', 'major', 2)).segments()).toEqual([['10:00', '10:30', 'minor'], ['10:30', '…', 'major']]);
  });

  it('places a change that arrived late where its source time puts it', () => {
    // The 10:10 change to major arrived after the 10:20 change to critical.
    const incident = given(span('10:00', '11:00'), change('10:00', 'warning', 1), change('10:20', 'critical', 2), change('10:10', 'major', 3));
    expect(incident.segments()).toEqual([['10:00', '10:10', 'warning'], ['10:10', '10:20', 'major'], ['10:20', '11:00', 'critical']]);
    expect(incident.counted()).toEqual([10, 40]);
  });

  it('counts a change stamped before the start from the start, the later event winning', () => {
    expect(given(span('10:00', '11:00'), change('10:00', 'warning', 1), change('09:50', 'critical', 2)).segments()).toEqual([['10:00', '11:00', 'critical']]);
  });

  it('extends the first severity to a corrected, earlier start', () => {
    // The corrected raise moved the start to 09:30 and states the severity from there.
    const incident = given(span('09:30', '11:00'), change('10:00', 'critical', 1), change('09:30', 'critical', 2));
    expect(incident.segments()).toEqual([['09:30', '11:00', 'critical']]);
    expect(incident.counted()).toEqual([90]);
  });

  it('cuts off what follows a corrected, earlier end', () => {
    const incident = given(span('10:00', '10:30'), change('10:00', 'warning', 1), change('10:20', 'critical', 2), change('10:40', 'warning', 3));
    expect(incident.segments()).toEqual([['10:00', '10:20', 'warning'], ['10:20', '10:30', 'critical']]);
    expect(incident.counted()).toEqual([10]);
  });

  it('lets the raise win over a severity only assumed from the clear', () => {
    // Built from the clear (critical, rank 0) before the raise (warning) and its change were seen.
    const incident = given(span('10:00', '11:00'), change('10:00', 'critical', 0), change('10:00', 'warning', 1), change('10:20', 'critical', 2));
    expect(incident.counted()).toEqual([40]);
  });

  it('merges neighbouring stretches of the same severity', () => {
    expect(given(span('10:00', '11:00'), change('10:00', 'major', 1), change('10:20', 'major', 2)).segments()).toEqual([['10:00', '11:00', 'major']]);
  });

  it('keeps the fallback severity for an incident without a history', () => {
    expect(given(span('10:00', '11:00')).segments()).toEqual([['10:00', '11:00', 'critical']]);
  });

  it('has no segment for an incident of no length', () => {
    expect(given(span('10:00', '10:00'), change('10:00', 'critical', 1)).segments()).toEqual([]);
  });
});

describe('latestSeverity', () => {
  it('is the severity at the end of the history by source time', () => {
    const incident = span('10:00', null);
    expect(latestSeverity(incident, [change('10:00', 'warning', 1), change('10:20', 'critical', 3), change('10:10', 'major', 2)], 'info')).toBe('critical');
  });
});
