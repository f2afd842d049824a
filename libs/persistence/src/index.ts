export * from './database';
export * from './durable-timers';
export * from './prepared-query';
export * from './poller';
export * from './retention';
