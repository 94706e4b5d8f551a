import { AggregatorRegistry, type Registry } from 'prom-client';

interface Counts {
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/**
 * A histogram by process whose buckets are added to in bulk: the first scrape adds SQL's per-bucket
 * counts and sums (a million runs in a few hundred rows), which prom-client's Histogram could take only
 * as one observe() per run. Printed by prom-client all the same (histogramRegistry), in its layout.
 */
export class ProcessHistogram {
  private readonly byProcess = new Map<string, Counts>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}

  has(process: string): boolean {
    return this.byProcess.has(process);
  }

  /** The process's series at zero, when it has none yet. */
  zero(process: string): Counts {
    let counts = this.byProcess.get(process);
    if (!counts) {
      counts = { buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.byProcess.set(process, counts);
    }
    return counts;
  }

  /** `count` values of bucket `bucket` (bounds.length: +Inf) that sum to `sum`. */
  add(process: string, bucket: number, count: number, sum: number): void {
    const counts = this.zero(process);
    counts.buckets[bucket] = (counts.buckets[bucket] ?? 0) + count;
    counts.sum += sum;
    counts.count += count;
  }

  /** As prom-client's getMetricsAsJSON gives a histogram: cumulative buckets by `le`, then _sum and _count. */
  toJson(): object {
    const values = [...this.byProcess].flatMap(([process, counts]) => {
      let cumulative = 0;
      const buckets = counts.buckets.map((n, i) => {
        cumulative += n;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        return { metricName: `${this.name}_bucket`, labels: { process, le }, value: cumulative };
      });
      return [
        ...buckets,
        { metricName: `${this.name}_sum`, labels: { process }, value: counts.sum },
        { metricName: `${this.name}_count`, labels: { process }, value: counts.count },
      ];
    });
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}

/** A registry printing these histograms (prom-client's cluster aggregation of one source: as they are). */
export function histogramRegistry(histograms: readonly ProcessHistogram[]): Registry {
  return AggregatorRegistry.aggregate([histograms.map((histogram) => histogram.toJson())]);
}
