import { Injectable } from '@nestjs/common';
import { Counter, exponentialBuckets, Histogram } from 'prom-client';
import { VigilMetrics } from '@vigil/platform-nest';

/** The calculator's own metrics, on top of the platform's: verdicts published and SLA calculations with their duration. */
@Injectable()
export class SlaMetrics {
  readonly verdicts: Counter<'type' | 'policy_type'>;
  readonly calculations: Histogram<'trigger'>;
  readonly alarmEvents: Histogram<'type'>;
  readonly decisions: Histogram;

  constructor(metrics: VigilMetrics) {
    const registers = [metrics.registry];
    this.verdicts = new Counter({ name: 'vigil_sla_verdicts_total', help: 'SLA verdicts written to the outbox, by event type and policy type', labelNames: ['type', 'policy_type'], registers });
    this.calculations = new Histogram({
      name: 'vigil_sla_calculation_seconds', help: 'Availability evaluations of one service (all its policies and windows), by what set them off',
      labelNames: ['trigger'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25], registers,
    });
    // Fine buckets (about 10 % apart from 0.1 ms to 2 s) so that percentiles read from them are close: the sla bench reads them.
    this.alarmEvents = new Histogram({
      name: 'vigil_sla_alarm_event_seconds', help: 'One alarm event handled: outage, resolution clocks and availability, inside its transaction (without the commit)',
      labelNames: ['type'], buckets: exponentialBuckets(0.0001, 1.1, 105), registers,
    });
    this.decisions = new Histogram({
      name: 'vigil_sla_decision_seconds', help: 'One availability window decided by the pure rules (decideAvailability), without any I/O',
      buckets: exponentialBuckets(0.00001, 1.1, 130), registers,
    });
  }
}
