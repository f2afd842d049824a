export * from './config';
export * from './logging';
export * from './metrics';
export * from './trace-context';
