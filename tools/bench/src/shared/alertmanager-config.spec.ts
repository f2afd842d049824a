import { parse } from 'yaml';
import { MinimalConfig, alertmanagerConfig } from './alertmanager-server';

describe('alertmanagerConfig', () => {
  it('sends every alert nowhere by default', () => {
    expect(parse(MinimalConfig)).toEqual({
      route: { receiver: 'null', group_by: ['alertname', 'service'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' },
      receivers: [{ name: 'null' }],
    });
  });

  it('pages critical alerts at once, each its own group, to the given webhook', () => {
    const config = parse(alertmanagerConfig('http://127.0.0.1:9/alertmanager'));
    expect(config.route.routes).toEqual([
      { matchers: ['severity="critical"'], receiver: 'pager', group_by: ['...'], group_wait: '0s', group_interval: '1s', repeat_interval: '4h' },
    ]);
    expect(config.receivers).toEqual([{ name: 'null' }, { name: 'pager', webhook_configs: [{ url: 'http://127.0.0.1:9/alertmanager', send_resolved: false }] }]);
  });
});
