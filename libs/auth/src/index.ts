export * from './scopes';
export * from './unauthorized.error';
export * from './auth-config';
export * from './local-key-pair';
export * from './token-verifier';
export * from './issue-token';
