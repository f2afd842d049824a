export * from './database';
export * from './durable-timers';
