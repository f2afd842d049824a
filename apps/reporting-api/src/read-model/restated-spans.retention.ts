import type { AgeRule } from '@vigil/persistence';

/**
 * Restated spans older than the window go (ADR 0028). They are no history for `as_of=` (reports
 * as of a moment read the recording times of incidents, breaches and configuration): the report
 * cache reads them to serve a closed answer held at an older version, and counts them, so one gone
 * makes it compute that answer again. The window costs only that recomputation, for answers not
 * asked for in that long.
 */
export function restatedSpansRetentionRule(windowMs: number): AgeRule {
  return { name: 'restated-spans', table: 'reporting.restated_spans', windowMs, age: { column: 'restated_at' } };
}
