export * from './test-env';
export * from './event-collector';
export * from './cuttable-network';
export * from './test-app';
export * from './migration-round-trip';
