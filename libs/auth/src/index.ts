export * from './scopes';
export * from './unauthorized.errors';
export * from './auth-config';
export * from './local-key-pair';
export * from './token-verifier';
export * from './issue-token';
