import { DateTime } from 'luxon';

/** An instant as reports write it: ISO 8601 with the tenant's offset, whole seconds without a fraction. */
export function isoIn(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(instant).toISOString();
}
