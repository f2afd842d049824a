export * from './test-env';
export * from './cuttable-network';
