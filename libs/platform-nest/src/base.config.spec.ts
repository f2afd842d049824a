import 'reflect-metadata';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from '@vigil/observability';
import { BaseConfig } from './base.config';

const required = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/vigil' };

describe('BaseConfig.consumerConcurrency', () => {
  it('defaults to the cores Node may use, at most 3', () => {
    expect(loadConfig(BaseConfig, required).consumerConcurrency()).toBe(Math.min(3, availableParallelism()));
  });

  it('takes CONSUMER_CONCURRENCY when set, beyond the default too', () => {
    expect(loadConfig(BaseConfig, { ...required, CONSUMER_CONCURRENCY: '8' }).consumerConcurrency()).toBe(8);
  });

  it('names the variable and the rule when it is not a positive whole number', () => {
    expect(() => loadConfig(BaseConfig, { ...required, CONSUMER_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(() => loadConfig(BaseConfig, { ...required, CONSUMER_CONCURRENCY: '0' })).toThrow(/CONSUMER_CONCURRENCY/);
  });
});
