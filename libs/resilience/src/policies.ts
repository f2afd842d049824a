import {
  BulkheadPolicy, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, ExponentialBackoff, TimeoutStrategy,
  bulkhead, circuitBreaker, handleAll, handleWhen, retry, timeout, wrap, type IPolicy,
} from 'cockatiel';

/** Defaults from DESIGN.md (Resilience) and the original requirements. */
export const ResilienceDefaults = {
  breakerThreshold: 5,
  halfOpenAfterMs: 60_000,
  timeoutMs: 5_000,
  retryAttempts: 3,
  retryInitialDelayMs: 1_000,
  retryMaxDelayMs: 8_000,
} as const;

export interface BreakerSnapshot { name: string; state: 'closed' | 'open' | 'half-open' | 'isolated'; critical: boolean; lastChange: string }
export interface BulkheadSnapshot { name: string; executionSlots: number; queueSlots: number }

const STATE_NAMES: Record<CircuitState, BreakerSnapshot['state']> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

interface BreakerEntry { policy: CircuitBreakerPolicy; critical: boolean; lastChange: Date; options: BreakerOptions }
export interface BreakerOptions { threshold?: number; halfOpenAfterMs?: number; critical?: boolean; isFailure?: (error: Error) => boolean }

/**
 * Every breaker and bulkhead of a process, by name, so `/reliability` can show them,
 * readiness can fold the ones that matter, and an operator can reset one.
 */
export class PolicyRegistry {
  private readonly breakers = new Map<string, BreakerEntry>();
  private readonly bulkheads = new Map<string, { policy: BulkheadPolicy; limit: number; queue: number }>();
  private readonly listeners: Array<(name: string, state: BreakerSnapshot['state']) => void> = [];

  /** `halfOpenAfterMs`: the default for breakers that do not set their own. */
  constructor(private readonly defaults: { halfOpenAfterMs?: number } = {}) {}

  /** A named breaker; the same name returns the same breaker. */
  breaker(name: string, options: BreakerOptions = {}): IPolicy {
    if (!this.breakers.has(name)) this.breakers.set(name, this.newBreaker(name, options));
    // Delegate through the registry so a reset (a fresh breaker) reaches every holder.
    return { execute: (fn, signal) => this.breakers.get(name)!.policy.execute(fn, signal) } as IPolicy;
  }

  bulkhead(name: string, limit: number, queue = 0): BulkheadPolicy {
    const existing = this.bulkheads.get(name);
    if (existing) return existing.policy;
    const policy = bulkhead(limit, queue);
    this.bulkheads.set(name, { policy, limit, queue });
    return policy;
  }

  /** Closes a breaker by replacing it with a fresh one. Returns false for an unknown name. */
  reset(name: string): boolean {
    const entry = this.breakers.get(name);
    if (!entry) return false;
    this.breakers.set(name, this.newBreaker(name, entry.options));
    this.notify(name, 'closed');
    return true;
  }

  /**
   * How long until the named breaker lets a call through again: the rest of its open
   * spell, 0 when it is closed or half-open (a trial call is on its way), undefined for
   * an unknown name.
   */
  reopensInMs(name: string, now = Date.now()): number | undefined {
    const entry = this.breakers.get(name);
    if (!entry) return undefined;
    if (entry.policy.state !== CircuitState.Open) return 0;
    return Math.max(0, entry.lastChange.getTime() + this.halfOpenAfterMs(entry.options) - now);
  }

  onStateChange(listener: (name: string, state: BreakerSnapshot['state']) => void): void {
    this.listeners.push(listener);
  }

  snapshot(): { breakers: BreakerSnapshot[]; bulkheads: BulkheadSnapshot[] } {
    return {
      breakers: [...this.breakers.entries()].map(([name, e]) => ({
        name, state: STATE_NAMES[e.policy.state], critical: e.critical, lastChange: e.lastChange.toISOString(),
      })),
      bulkheads: [...this.bulkheads.entries()].map(([name, b]) => ({
        name, executionSlots: b.policy.executionSlots, queueSlots: b.policy.queueSlots,
      })),
    };
  }

  /** Names of critical breakers that are not closed: these fail readiness. */
  openCriticalBreakers(): string[] {
    return this.snapshot().breakers.filter((b) => b.critical && b.state !== 'closed' && b.state !== 'half-open').map((b) => b.name);
  }

  private newBreaker(name: string, options: BreakerOptions): BreakerEntry {
    const policy = circuitBreaker(options.isFailure ? handleWhen(options.isFailure) : handleAll, {
      halfOpenAfter: this.halfOpenAfterMs(options),
      breaker: new ConsecutiveBreaker(options.threshold ?? ResilienceDefaults.breakerThreshold),
    });
    const entry: BreakerEntry = { policy, critical: options.critical ?? false, lastChange: new Date(), options };
    policy.onStateChange((state) => {
      entry.lastChange = new Date();
      this.notify(name, STATE_NAMES[state]);
    });
    return entry;
  }

  private halfOpenAfterMs(options: BreakerOptions): number {
    return options.halfOpenAfterMs ?? this.defaults.halfOpenAfterMs ?? ResilienceDefaults.halfOpenAfterMs;
  }

  private notify(name: string, state: BreakerSnapshot['state']): void {
    for (const listener of this.listeners) listener(name, state);
  }
}

export interface RetryOptions { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number; isTransient?: (error: Error) => boolean }

/** Exponential backoff with jitter, on transient errors only. */
export function retryPolicy(options: RetryOptions = {}) {
  return retry(options.isTransient ? handleWhen(options.isTransient) : handleAll, {
    maxAttempts: options.maxAttempts ?? ResilienceDefaults.retryAttempts,
    backoff: new ExponentialBackoff({
      initialDelay: options.initialDelayMs ?? ResilienceDefaults.retryInitialDelayMs,
      maxDelay: options.maxDelayMs ?? ResilienceDefaults.retryMaxDelayMs,
    }),
  });
}

export function timeoutPolicy(ms: number = ResilienceDefaults.timeoutMs) {
  return timeout(ms, TimeoutStrategy.Aggressive);
}

export { wrap };
export type { IPolicy };

/**
 * cockatiel's own type guards for these errors test the wrong marker in 3.2, so Vigil
 * checks the markers itself.
 */
export const isBrokenCircuit = (error: unknown): error is Error => error instanceof Error && 'isBrokenCircuitError' in error;
export const isTimeout = (error: unknown): error is Error => error instanceof Error && 'isTaskCancelledError' in error;
export const isBulkheadFull = (error: unknown): error is Error => error instanceof Error && 'isBulkheadRejectedError' in error;
