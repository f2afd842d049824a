/** A notification as Alertmanager's webhook notifier sends it (notify/webhook Message, version 4). */
export function alertmanagerPayload(overrides: Record<string, unknown> = {}) {
  return {
    receiver: 'vigil\\-prod',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'CheckoutDown', service: 'checkout-api', severity: 'critical', instance: 'checkout-1:8080', job: 'checkout' },
        annotations: { summary: 'Checkout is down', description: 'No successful probe for 5m' },
        startsAt: '2026-11-03T10:00:00.123456789+01:00',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
        fingerprint: 'a1b2c3d4e5f60718',
      },
      {
        status: 'resolved',
        labels: { alertname: 'PaymentsLatency', service: 'payments', severity: 'warning', job: 'payments' },
        annotations: { description: 'p99 over 2s' },
        startsAt: '2026-11-03T08:00:00Z',
        endsAt: '2026-11-03T08:45:30.5Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=latency',
        fingerprint: '0f1e2d3c4b5a6978',
      },
    ],
    groupLabels: { alertname: 'CheckoutDown' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}/{severity=~"critical|warning"}:{alertname="CheckoutDown"}',
    truncatedAlerts: 0,
    ...overrides,
  };
}
