export * from './migration-round-trip';
