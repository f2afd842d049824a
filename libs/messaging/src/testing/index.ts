export * from './event-collector';
