import path from 'node:path';
import { loadDocuments, parseDocuments } from './load-documents';
import { validateDocuments } from './validate-documents';

describe('validateDocuments', () => {
  it('accepts every document of examples/acme.yaml', async () => {
    const loaded = await loadDocuments([path.resolve(__dirname, '../../../../examples/acme.yaml')]);
    const { documents, problems } = validateDocuments(loaded);
    expect(problems).toEqual([]);
    expect(documents.map(({ doc }) => `${doc.kind}/${doc.metadata.name}`)).toEqual([
      'Tenant/acme',
      'BusinessCalendar/office-hours',
      'SLAPolicy/checkout-availability',
      'SLAPolicy/incident-resolution',
      'MaintenanceWindow/db-upgrade',
      'CreditSchedule/standard',
      'NotificationChannel/ops-webhook',
      'NotificationChannel/oncall-slack',
      'EscalationPolicy/critical-paging',
    ]);
  });

  it('names file, document, path and rule of every problem', () => {
    const loaded = parseDocuments(
      'bad.yaml',
      [
        'apiVersion: vigil/v1',
        'kind: SLAPolicy',
        'metadata: { name: checkout, tenant: acme }',
        'spec: { type: availability, services: [checkout-api], objective: 120, window: weekly }',
        '---',
        'apiVersion: vigil/v1',
        'kind: Tenant',
        'metadata: { name: Acme }',
        'spec: { timezone: Europe/Berlin }',
        '---',
        '- just a list',
      ].join('\n'),
    );
    const { documents, problems } = validateDocuments(loaded);
    expect(documents).toEqual([]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad\.yaml: slapolicy\/checkout: spec\.objective: /),
        expect.stringMatching(/^bad\.yaml: slapolicy\/checkout: spec\.window: /),
        expect.stringMatching(/^bad\.yaml: tenant\/Acme: metadata\.name: /),
        'bad.yaml: document 3: document: must be a mapping',
      ]),
    );
  });

  it('refuses the same document twice', () => {
    const tenant = 'apiVersion: vigil/v1\nkind: Tenant\nmetadata: { name: acme }\nspec: { timezone: UTC }\n';
    const { problems } = validateDocuments([...parseDocuments('a.yaml', tenant), ...parseDocuments('b.yaml', tenant)]);
    expect(problems).toEqual(['b.yaml: tenant/acme: metadata.name: already defined in a.yaml (document 1) for tenant acme']);
  });
});
