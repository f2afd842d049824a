import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { traceExemplar } from '@vigil/observability';
import { VigilMetrics } from '../health/vigil-metrics';
import { ShutdownState } from '../shutdown-state';

/** Probes and scrapes are not traffic: counting them would flatter the latency and error rate. */
const NOT_TRAFFIC = /^\/(health|metrics)(\/|$|\?)/;

/**
 * Request rate, latency and errors (`vigil_http_request_duration_seconds` by method,
 * route template and status). The route is the matched template, never the raw path, so
 * ids in URLs cannot grow the label set; what matched no route is `unmatched`. The
 * request's trace id is the observation's exemplar (OpenMetrics scrapes, ADR 0019).
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: VigilMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    // Draining: answer, but have keep-alive clients reconnect — to another replica.
    if (ShutdownState.draining) res.setHeader('Connection', 'close');
    if (NOT_TRAFFIC.test(req.originalUrl)) return next();
    // Read now, while the request's server span is the active one.
    const end = this.metrics.httpRequests.startTimer({}, traceExemplar());
    res.once('finish', () => {
      // With no controller route matched, req.route is still this middleware's catch-all.
      const template = (req.route as { path?: string } | undefined)?.path;
      const matched = template !== undefined && !template.includes('*');
      end({ method: req.method, route: matched ? `${req.baseUrl}${template}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  }
}
