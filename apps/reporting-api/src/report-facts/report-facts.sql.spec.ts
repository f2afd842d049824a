import { breachStands, incidentJson, incidentTouchesWindow, maintenanceWindows, tenantZone, type WindowPlaceholders } from './report-facts.sql';

/** Placeholders no fragment would pick by itself, and the aliases a statement chose. */
const at: WindowPlaceholders = { tenant: '$21', start: '$23', end: '$24', knownAt: '$25' };
const placeholdersIn = (sql: string) => [...new Set(sql.match(/\$\d+/g) ?? [])].sort();

describe('the shared SQL fragments', () => {
  it.each([
    ['tenantZone', tenantZone(at), ['$21', '$25']],
    ['incidentTouchesWindow', incidentTouchesWindow('x', at), ['$23', '$24', '$25']],
    ['breachStands', breachStands('y', at), ['$25']],
    ['maintenanceWindows', maintenanceWindows(at), ['$21', '$23', '$24', '$25']],
    ['incidentJson', incidentJson('x', at), ['$25']],
  ])('%s reads only the placeholders it is given', (_name, sql, expected) => {
    expect(placeholdersIn(sql)).toEqual(expected);
  });

  it('reads the rows of the aliases it is given', () => {
    expect(incidentTouchesWindow('x', at)).not.toMatch(/\bi\./);
    expect(incidentJson('x', at)).not.toMatch(/\bi\./);
    expect(breachStands('y', at)).toContain('y.event_id');
    expect(breachStands('y', at)).not.toMatch(/\bb\./);
  });

  it('reads everything recorded so far from a literal null', () => {
    expect(tenantZone({ tenant: '$1', knownAt: 'null' })).toContain(`recorded_at <= coalesce(null::timestamptz, 'infinity'::timestamptz)`);
  });
});
