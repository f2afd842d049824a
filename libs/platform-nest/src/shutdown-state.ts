/**
 * Set once SIGTERM arrives: readiness answers 503 from then on and responses ask clients
 * to reconnect (`Connection: close`), so load balancers and keep-alive pools move to other
 * replicas while this one drains. One per process, as the signal is.
 */
export const ShutdownState = { draining: false };
