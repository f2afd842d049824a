import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { DateTime } from 'luxon';
import { createHash } from 'node:crypto';
import { Counter } from 'prom-client';
import { VigilMetrics } from '@vigil/platform-nest';
import { isDatabaseUnavailable } from '@vigil/persistence';
import { isBrokenCircuit, isTimeout } from '@vigil/resilience';
import type { Interval } from '@vigil/sla-engine';
import type { HeldSpan } from '../domain/restatement.rules';

/** An answer and what the cache knows about it. */
export interface CachedAnswer<T> {
  body: T;
  /** Strong validator of the body: a restated answer gets another one. */
  etag: string;
  /** About closed days only (or `as_of` a moment before today): immutable until a restatement. */
  closed: boolean;
  /** The tenant's restatement version it was computed at (or last found unrestated at). */
  version: string;
  /** The time the answer speaks of: a restatement elsewhere leaves it valid. */
  span?: Interval;
  cachedAt: number;
  /** Served from the cache because the database is unreachable. */
  stale: boolean;
}

/** A report as sent: `stale` says it came from the cache while the database was unreachable. */
export type Stale<T> = T & { stale: boolean };

/** What every report reads first: whatever it needs, and the tenant's restatement version. */
export interface Versioned {
  version: string;
  /** Asked with a held answer's version and span: whether no version since touched that span. */
  untouched?: boolean;
}

const MaxEntries = 10_000;

export const isUnreachable = (error: unknown) => isDatabaseUnavailable(error) || isBrokenCircuit(error) || isTimeout(error);

/**
 * Reports by request, in process memory. A closed answer is served again without reading its
 * facts as long as the tenant's restatement version has not moved (one small round trip checks
 * it); any answer is served, marked stale, while the database is unreachable; what the cache
 * does not hold is then a 503 (the errors filter adds Retry-After).
 */
@Injectable()
export class ReportCache {
  private readonly entries = new LRUCache<string, CachedAnswer<unknown>>({ max: MaxEntries });
  private readonly outcomes: Counter<'outcome'>;
  private unreachableSince: number | null = null;

  constructor(metrics: VigilMetrics) {
    this.outcomes = new Counter({
      name: 'vigil_reporting_cache_requests_total',
      help: 'Report requests by cache outcome: hit (closed, unchanged), miss (computed), stale (database unreachable), unavailable (503)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  /**
   * `load` gets the held closed answer's version and span, so the same round trip can say whether
   * the versions since restated any of its days (docs/adr/0018); `build` says which span its answer covers.
   */
  async serve<S extends Versioned, T>(
    key: string, load: (held?: HeldSpan) => Promise<S>, build: (scope: S) => Promise<{ body: T; closed: boolean; span?: Interval }>,
  ): Promise<CachedAnswer<T>> {
    const held = this.entries.get(key) as CachedAnswer<T> | undefined;
    try {
      const scope = await load(held?.closed && held.span ? { version: held.version, span: held.span } : undefined);
      if (held?.closed && (held.version === scope.version || scope.untouched === true)) {
        this.reachable();
        this.outcomes.inc({ outcome: 'hit' });
        // Found unrestated up to this version: the next check starts from here.
        if (held.version !== scope.version) this.entries.set(key, { ...held, version: scope.version });
        return { ...held, version: scope.version, stale: false };
      }
      const { body, closed, span } = await build(scope);
      this.reachable();
      const answer: CachedAnswer<T> = { body, closed, version: scope.version, span, etag: etagOf(body), cachedAt: Date.now(), stale: false };
      this.entries.set(key, answer);
      this.outcomes.inc({ outcome: 'miss' });
      return answer;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      this.unreachableSince ??= Date.now();
      this.outcomes.inc({ outcome: held ? 'stale' : 'unavailable' });
      if (held) return { ...held, stale: true };
      throw error;
    }
  }

  /** For `/health`: how many answers are held, and since when the database has been unreachable (null: it answers). */
  state(): { entries: number; unreachableSince: number | null } {
    return { entries: this.entries.size, unreachableSince: this.unreachableSince };
  }

  private reachable(): void {
    this.unreachableSince = null;
  }
}

function etagOf(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

/**
 * Whether an answer only speaks of closed days: the range (or the moment asked about) ends by
 * the start of the tenant's current local day. Events about today never restate it.
 */
export function isClosed(rangeEnd: number, asOf: number | undefined, wallClock: number, zone: string): boolean {
  return Math.min(rangeEnd, asOf ?? Infinity) <= DateTime.fromMillis(wallClock, { zone }).startOf('day').toMillis();
}

/**
 * Sends an answer with its validators: `ETag`, `Cache-Control` (closed answers for a minute,
 * others revalidated each time), `Vigil-Stale` with `Age` when it comes from the cache during
 * an outage, and 304 without a body when `If-None-Match` names its ETag. The condition is
 * evaluated here, not by Express: Express ignores it when the request says `Cache-Control:
 * no-cache`, which fetch adds to every conditional request, though an origin server answers
 * conditions whatever a request tells caches.
 */
export function reply(request: Request, response: Response, answer: CachedAnswer<unknown>, send: () => void): void {
  response.setHeader('ETag', answer.etag);
  response.setHeader('Cache-Control', answer.closed && !answer.stale ? 'private, max-age=60' : 'private, no-cache');
  if (answer.stale) {
    response.setHeader('Vigil-Stale', 'true');
    response.setHeader('Age', String(Math.max(0, Math.round((Date.now() - answer.cachedAt) / 1000))));
  }
  if (matchesEtag(request.headers['if-none-match'], answer.etag)) {
    response.status(304).end();
    return;
  }
  send();
}

/** `If-None-Match` by weak comparison: `*`, or any listed tag equal once `W/` is set aside. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}
