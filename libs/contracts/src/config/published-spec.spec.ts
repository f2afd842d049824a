import { Redacted, publishedSpec } from './published-spec';

describe('publishedSpec', () => {
  it('keeps a channel’s secret, SMTP password and routing key out of config-applied', () => {
    expect(publishedSpec('NotificationChannel', { type: 'webhook', url: 'https://hooks.example.com/vigil', secret: 'change-me' })).toEqual({
      type: 'webhook', url: 'https://hooks.example.com/vigil', secret: Redacted,
    });
    expect(publishedSpec('NotificationChannel', { type: 'email', host: 'smtp.example.com', port: 587, from: 'vigil@example.com', to: ['ops@example.com'], auth: { user: 'vigil', pass: 's3cret' } })).toEqual({
      type: 'email', host: 'smtp.example.com', port: 587, from: 'vigil@example.com', to: ['ops@example.com'], auth: { user: 'vigil', pass: Redacted },
    });
    expect(publishedSpec('NotificationChannel', { type: 'pagerduty', routingKey: 'R0UT1NG' })).toEqual({ type: 'pagerduty', routingKey: Redacted });
  });

  it('keeps a Slack URL out, because the URL is the credential', () => {
    expect(publishedSpec('NotificationChannel', { type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX' })).toEqual({ type: 'slack', url: Redacted });
  });

  it('leaves documents without credentials as they are, and does not touch the original', () => {
    const spec = { type: 'availability', services: ['checkout-api'], objective: 99.9, window: 'calendar-month' };
    expect(publishedSpec('SLAPolicy', spec)).toEqual(spec);
    const channel = { type: 'webhook', url: 'https://x', secret: 'keep-me' };
    publishedSpec('NotificationChannel', channel);
    expect(channel.secret).toBe('keep-me');
  });
});
