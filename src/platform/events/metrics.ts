import { Counter, Histogram, type Registry } from 'prom-client';
import { scrapedGauge } from '../http/metrics.js';

/** Prometheus metrics of the event system. Gauges are computed when /metrics is scraped. */
export interface EventMetrics {
  handled(consumer: string, seconds: number, fresh: boolean): void;
  failed(consumer: string): void;
  lag(consumer: string, seconds: number): void;
  deadLettered(consumer: string): void;
}

export function createEventMetrics(
  registry: Registry,
  collectors: {
    outboxLagSeconds: () => Promise<Record<string, number>>;
    deadLetters: () => Promise<Record<string, number>>;
    queueDepth: () => Promise<Record<string, number>>;
  },
): EventMetrics {
  const duration = new Histogram({
    name: 'linggong_event_handler_duration_seconds',
    help: 'Event handler duration by consumer',
    labelNames: ['consumer'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'linggong_event_handler_failures_total',
    help: 'Event handler failures by consumer',
    labelNames: ['consumer'] as const,
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'linggong_event_duplicates_total',
    help: 'Redelivered events the inbox recognised (handled before)',
    labelNames: ['consumer'] as const,
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'linggong_event_delivery_lag_seconds',
    help: 'From the producing commit to the consumer handling the event',
    labelNames: ['consumer'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  const dead = new Counter({
    name: 'linggong_event_dead_letters_total',
    help: 'Events moved to the dead-letter store',
    labelNames: ['consumer'] as const,
    registers: [registry],
  });
  const gauge = (name: string, help: string, label: string, read: () => Promise<Record<string, number>>) =>
    scrapedGauge(registry, name, help, label, read);
  gauge(
    'linggong_outbox_lag_seconds',
    'Age of the oldest unpublished outbox event, by service',
    'service',
    collectors.outboxLagSeconds,
  );
  gauge('linggong_dead_letters_open', 'Open dead letters, by service', 'service', collectors.deadLetters);
  gauge('linggong_queue_depth', 'Jobs waiting or delayed, by queue', 'queue', collectors.queueDepth);
  return {
    handled(consumer, seconds, fresh) {
      duration.observe({ consumer }, seconds);
      if (!fresh) duplicates.inc({ consumer });
    },
    failed: (consumer) => failures.inc({ consumer }),
    lag: (consumer, seconds) => lag.observe({ consumer }, seconds),
    deadLettered: (consumer) => dead.inc({ consumer }),
  };
}
