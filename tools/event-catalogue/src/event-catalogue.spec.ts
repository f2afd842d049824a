import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EventTypes } from '@vigil/contracts';
import { dataFields, renderEventCatalogue } from './event-catalogue';

describe('the event catalogue', () => {
  it('is docs/events.md exactly, so the committed catalogue cannot drift from libs/contracts', () => {
    expect(readFileSync(resolve(__dirname, '../../../docs/events.md'), 'utf8')).toBe(renderEventCatalogue());
  });

  it('lists every event type with the validator\'s fields', () => {
    const catalogue = renderEventCatalogue();
    for (const type of EventTypes) expect(catalogue).toContain(`### \`${type}\``);
    expect(dataFields('alarm-raised')).toEqual(expect.arrayContaining([
      { field: 'alarmKey', optional: false, rules: 'isNotEmpty, isString, maxLength 512' },
      expect.objectContaining({ field: 'corrects', optional: true }),
    ]));
  });
});
