export * from './kafka';
export * from './messaging.migration';
export * from './outbox';
export * from './outbox-relay';
export * from './consumer-pipeline';
export * from './idempotent-consumer';
export * from './ledger-checkpoints';
