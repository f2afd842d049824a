import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import { EventDataClasses, EventTypes, EventVersions, Topics, deadLetterTopicOf, topicOf, type EventHistory, type EventType } from '@vigil/contracts';

/** Who publishes to and reads each topic (DESIGN.md, Services). */
const TopicUse: Record<string, { producers: string; consumers: string }> = {
  [Topics.alarmsInbound]: { producers: 'monitors publishing to Kafka directly (raw JSON, no envelope)', consumers: 'alarm-ingestion' },
  [Topics.alarmEvents]: { producers: 'alarm-ingestion', consumers: 'sla-calculator, escalation, reporting-api' },
  [Topics.slaEvents]: { producers: 'sla-calculator', consumers: 'escalation, reporting-api' },
  [Topics.escalationEvents]: { producers: 'escalation', consumers: 'notifier, reporting-api' },
  [Topics.notificationEvents]: { producers: 'notifier', consumers: '(audit; no Vigil consumer)' },
  [Topics.notificationDeadLetters]: { producers: 'notifier', consumers: 'operators (docs/RUNBOOK.md, redrive)' },
  [Topics.configEvents]: { producers: 'the service owning each document kind', consumers: 'services projecting others\' configuration (reporting-api)' },
};

function describeRules(metadatas: Array<{ name?: string; type: string; constraints?: unknown[] }>): { optional: boolean; rules: string } {
  const optional = metadatas.some((m) => m.type === 'conditionalValidation');
  const rules = metadatas
    .filter((m) => m.type !== 'conditionalValidation')
    .map((m) => (m.type === 'nestedValidation' ? 'nested object' : `${m.name}${m.constraints && m.constraints.length > 0 && m.constraints[0] !== null && m.constraints[0] !== undefined ? ` ${JSON.stringify(m.constraints[0])}` : ''}`))
    .sort();
  return { optional, rules: rules.join(', ') };
}

type DataField = { field: string; optional: boolean; rules: string };

/** The fields of an event type's `data` at its current version, with the validator's rules: what a consumer may rely on. */
export function dataFields(type: EventType): DataField[] {
  return fieldsOf(EventDataClasses[type]);
}

function fieldsOf(dataClass: new () => object): DataField[] {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(dataClass, '', true, false);
  const byField = new Map<string, typeof metadatas>();
  for (const m of metadatas) byField.set(m.propertyName, [...(byField.get(m.propertyName) ?? []), m]);
  return [...byField].map(([field, ms]) => ({ field, ...describeRules(ms) })).sort((a, b) => Number(a.optional) - Number(b.optional) || a.field.localeCompare(b.field));
}

/** `docs/events.md`, generated from `libs/contracts` (never edited by hand). */
export function renderEventCatalogue(): string {
  const lines = [
    '# Event catalogue',
    '',
    '<!-- Generated from libs/contracts by tools/event-catalogue (npm run build, then node dist/tools/event-catalogue/src/main.js). Do not edit. -->',
    '',
    'Every event is one JSON envelope (`id` uuid v7, `type`, `version`, `tenantId`, `subject`, `sequence`, `occurredAt`, `recordedAt`, `correlationId`, `causationId`, `data`).',
    'Kafka key `tenantId/serviceId`; headers `event-type`, `correlation-id`, `tenant-id` and W3C `traceparent`. Consumers ignore fields they do not know.',
    '',
    '## Versions',
    '',
    'Each event type has its own `version`. Producers always write the current one. A consumer validates an event against the shape of',
    'its own version, then upcasts it one version at a time to the current one with pure steps kept in `libs/contracts`',
    '(`*.v1.ts` for the old shapes), and validates it again; a version newer than the build knows is refused naming `version`',
    '(dead-lettered). Topic names keep `.v1`: a topic\'s version changes only when the topic itself breaks, not when an event',
    'type gets a new version. An old version is listed below until no retained event and no running producer has it',
    '(docs/adr/0027-events-are-upcast-on-read.md).',
    '',
    '## Topics',
    '',
    '| topic | produced by | consumed by | dead letters |',
    '|---|---|---|---|',
    ...Object.values(Topics).map((t) => `| \`${t}\` | ${TopicUse[t]?.producers ?? '?'} | ${TopicUse[t]?.consumers ?? '?'} | ${t.includes('.dlq.') ? '' : `\`${deadLetterTopicOf(t)}\``} |`),
    '',
    '## Event types',
  ];
  for (const type of EventTypes) {
    const history: EventHistory = EventVersions[type];
    lines.push('', `### \`${type}\``, '', `Topic \`${topicOf(type)}\`, version ${history.current}. \`data\`:`, '');
    lines.push(...fieldTable(dataFields(type)));
    for (const [version, older] of Object.entries(history.older).sort(([a], [b]) => Number(b) - Number(a))) {
      lines.push('', `Version ${version}, still read: upcast to ${Number(version) + 1}, ${older.change}. \`data\`:`, '');
      lines.push(...fieldTable(fieldsOf(older.data)));
    }
  }
  return `${lines.join('\n')}\n`;
}

function fieldTable(fields: DataField[]): string[] {
  return ['| field | required | rules |', '|---|---|---|', ...fields.map((f) => `| \`${f.field}\` | ${f.optional ? 'no' : 'yes'} | ${f.rules.replace(/\|/g, '\\|')} |`)];
}
