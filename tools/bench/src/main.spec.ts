import { Scenarios, parseBenchArgs } from './main';

describe('parseBenchArgs', () => {
  it('runs every scenario but the soak when none is named, and writes the report then', () => {
    const args = parseBenchArgs([]);
    expect(args.scenarios).toEqual(Object.keys(Scenarios).filter((name) => name !== 'soak'));
    expect(args.full).toBe(true);
    expect(parseBenchArgs(['soak']).full).toBe(false);
  });

  it('runs the named scenarios once each, with their checked options', () => {
    const args = parseBenchArgs(['ingest', '--alerts', '5000', 'ingest', '--client', 'fetch']);
    expect(args.scenarios).toEqual(['ingest']);
    expect(args.options.ingest).toMatchObject({ alerts: 5_000, batchSize: 500, concurrency: 16 });
    expect(args.values.client).toBe('fetch');
  });

  it('refuses an unknown scenario and an unknown option', () => {
    expect(() => parseBenchArgs(['ingset'])).toThrow(/unknown scenario "ingset"/);
    expect(() => parseBenchArgs(['--speed', 'max'])).toThrow(/Unknown option/);
  });

  it('reads the notify scenario\'s options, its timeout in seconds', () => {
    expect(parseBenchArgs(['notify', '--pages', '50', '--page-timeout', '30']).options.notify).toEqual({
      pages: 50, intervalMs: 100, backgroundPerS: 200, warmupPages: 20, pageTimeoutMs: 30_000,
    });
    expect(() => parseBenchArgs(['notify', '--pages', '0'])).toThrow(/--pages must be a whole number from 1/);
  });

  it('refuses counts out of bounds before anything starts', () => {
    expect(() => parseBenchArgs(['ingest', '--batch-size', '5000'])).toThrow(/--batch-size must be a whole number from 2 to 1000/);
    expect(() => parseBenchArgs(['ingest', '--alerts', '1e9'])).toThrow(/--alerts/);
    expect(() => parseBenchArgs(['ingest', '--concurrency', '0'])).toThrow(/--concurrency/);
    expect(() => parseBenchArgs(['--client', 'curl'])).toThrow(/--client must be one of http, fetch/);
  });
});
