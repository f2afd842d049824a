export * from './test-env';
export * from './event-collector';
