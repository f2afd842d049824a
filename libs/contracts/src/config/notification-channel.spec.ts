import 'reflect-metadata';
import { InvalidDocumentError, validateDocument } from './documents';

const channel = (spec: Record<string, unknown>) => ({ apiVersion: 'vigil/v1', kind: 'NotificationChannel', metadata: { name: 'ch', tenant: 'acme' }, spec });

function problemsOf(spec: Record<string, unknown>): string[] {
  try {
    validateDocument(channel(spec));
    return [];
  } catch (error) {
    if (error instanceof InvalidDocumentError) return error.problems;
    throw error;
  }
}

describe('NotificationChannel documents', () => {
  it('accepts an email channel with host, port, from and to, and optional TLS and login', () => {
    expect(problemsOf({ type: 'email', host: 'smtp.example.com', port: 587, from: 'Vigil <vigil@example.com>', to: ['oncall@example.com'] })).toEqual([]);
    expect(problemsOf({
      type: 'email', host: '10.0.0.5', port: 465, secure: true, auth: { user: 'vigil', pass: 's3cret' }, from: 'vigil@example.com', to: ['a@example.com', 'b@example.com'],
    })).toEqual([]);
  });

  it('names each missing email field', () => {
    expect(problemsOf({ type: 'email', to: ['ops@example.com'] })).toEqual([
      'spec.host: is required for an email channel',
      'spec.port: is required for an email channel',
      'spec.from: is required for an email channel',
    ]);
  });

  it('names the field and the rule of a malformed email channel', () => {
    const problems = problemsOf({ type: 'email', host: 'smtp://mail.example.com', port: 70000, from: 'vigil', to: ['not an address'], auth: { user: 'vigil' } });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^spec\.host: host must be a host name or an IP address/),
      expect.stringMatching(/^spec\.port: /),
      expect.stringMatching(/^spec\.from: from must be an email address/),
      expect.stringMatching(/^spec\.to: to must list email addresses/),
      expect.stringMatching(/^spec\.auth\.pass: /),
    ]));
  });

  it('accepts a pagerduty channel with a routing key, and an optional Events API url', () => {
    expect(problemsOf({ type: 'pagerduty', routingKey: 'R0UT1NGKEY' })).toEqual([]);
    expect(problemsOf({ type: 'pagerduty', routingKey: 'R0UT1NGKEY', url: 'http://127.0.0.1:9000/v2/enqueue' })).toEqual([]);
    expect(problemsOf({ type: 'pagerduty' })).toEqual(['spec.routingKey: is required for a pagerduty channel']);
  });

  it('names a field the channel type does not use, rather than ignoring it', () => {
    expect(problemsOf({ type: 'webhook', url: 'https://hooks.example.com/vigil', to: ['ops@example.com'] })).toEqual([
      'spec.to: is not used by a webhook channel (it takes url, secret)',
    ]);
    expect(problemsOf({ type: 'email', host: 'smtp.example.com', port: 25, from: 'v@example.com', to: ['o@example.com'], url: 'https://x.example.com' })).toEqual([
      'spec.url: is not used by an email channel (it takes host, port, secure, auth, from, to)',
    ]);
  });

  it('still requires a url of webhook and slack channels', () => {
    expect(problemsOf({ type: 'slack' })).toEqual(['spec.url: is required for a slack channel']);
  });
});
