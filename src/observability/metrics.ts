// A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
// labels, plus gauges computed at scrape time. Enough for /metrics without a dependency.

type Labels = Record<string, string>;

const NEEDS_ESCAPE = /[\\"\n]/;

function escapeLabel(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

// Called on every request by the HTTP metrics: plain loops, no escaping when nothing needs it.
function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  let key = '';
  for (const k of keys) key += `${key ? ',' : ''}${k}="${escapeLabel(String(labels[k]))}"`;
  return key;
}

function line(name: string, key: string, value: number): string {
  return `${name}${key ? `{${key}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

interface Metric {
  render(): string[] | Promise<string[]>;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  /** One series with its labels worked out once, for code that counts on every request. */
  series(labels: Labels): (by?: number) => void {
    const key = labelKey(labels);
    return (by = 1) => {
      this.values.set(key, (this.values.get(key) ?? 0) + by);
    };
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.values].map(([k, v]) => line(this.name, k, v))];
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    this.observeKey(value, labelKey(labels));
  }
  /** One series with its labels worked out once, for code that observes on every request. */
  bind(labels: Labels): (value: number) => void {
    const key = labelKey(labels);
    return (value) => this.observeKey(value, key);
  }
  private observeKey(value: number, key: string): void {
    let s = this.series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] ?? Infinity)) s.counts[i] = (s.counts[i] ?? 0) + 1;
    }
    s.sum += value;
    s.count += 1;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.series) {
      const sep = key ? `${key},` : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i] ?? 0}`));
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      out.push(line(`${this.name}_sum`, key, s.sum), line(`${this.name}_count`, key, s.count));
    }
    return out;
  }
}

/**
 * Samples computed when scraped (queue depth, checks by status…): a gauge, or a counter kept by
 * someone else (a running total read from its owner).
 */
export class CollectedGauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly collect: () => Promise<Array<[Labels, number]>> | Array<[Labels, number]>,
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  async render(): Promise<string[]> {
    const samples = await this.collect();
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...samples.map(([l, v]) => line(this.name, labelKey(l), v))];
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  register<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help));
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }

  gauge(name: string, help: string, collect: () => Promise<Array<[Labels, number]>> | Array<[Labels, number]>): CollectedGauge {
    return this.register(new CollectedGauge(name, help, collect));
  }

  /** A running total kept elsewhere, read when scraped. */
  collectedCounter(name: string, help: string, collect: () => Array<[Labels, number]>): CollectedGauge {
    return this.register(new CollectedGauge(name, help, collect, 'counter'));
  }

  async render(): Promise<string> {
    const parts = await Promise.all(this.metrics.map(async (m) => (await m.render()).join('\n')));
    return `${parts.join('\n')}\n`;
  }
}

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The service's metrics, created once per process and shared by the parts that record them. */
export class ServiceMetrics {
  readonly registry = new MetricsRegistry();
  readonly httpRequests = this.registry.counter('livecheck_http_requests_total', 'HTTP requests by route, method and status');
  readonly httpDuration = this.registry.histogram('livecheck_http_request_duration_seconds', 'HTTP request duration by route', LATENCY_BUCKETS);
  readonly analysisDuration = this.registry.histogram('livecheck_analysis_duration_seconds', 'Time from claiming an analysis job to its stored result', LATENCY_BUCKETS);
  readonly decisionLatency = this.registry.histogram('livecheck_decision_latency_seconds', 'Time from capture finish to stored result', LATENCY_BUCKETS);
  readonly frameInference = this.registry.histogram('livecheck_frame_inference_seconds', 'Model inference time per frame', [0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2]);
  readonly analysesTotal = this.registry.counter('livecheck_analyses_total', 'Analyses finished, by outcome');
  readonly webhookDeliveries = this.registry.counter('livecheck_webhook_deliveries_total', 'Webhook delivery attempts by outcome');
}
