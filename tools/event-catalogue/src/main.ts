import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderEventCatalogue } from './event-catalogue';

const target = resolve(__dirname, '../../../../docs/events.md');
writeFileSync(target, renderEventCatalogue());
process.stdout.write(`wrote ${target}\n`);
