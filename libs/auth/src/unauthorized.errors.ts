/** The token is missing or not acceptable; the message says why (safe to return to the caller). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/**
 * The verification keys could not be obtained (JWKS endpoint down or answering garbage).
 * Not the caller's fault: adapters should answer 503, not 401.
 */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
