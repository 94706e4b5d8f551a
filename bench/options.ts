/** What `npm run bench [-- flags]` measures; --quick is the smaller set that fits in two minutes. */
export type Section = 'throughput' | 'latency' | 'burst';
export const SECTIONS: readonly Section[] = ['throughput', 'latency', 'burst'];

export interface BenchOptions {
  readonly quick: boolean;
  readonly sections: ReadonlySet<Section>;
  /** Overdue tasks per throughput measurement (as many not-overdue tasks are seeded beside them). */
  readonly sizes: readonly number[];
  /** RESCHEDULE_BATCH_SIZE values tried at every size; the first is the production default. */
  readonly batchSizes: readonly number[];
  /** Runs of each floor, and of the real path per (size, batch size); medians are reported. */
  readonly repeats: number;
  readonly users: number;
  readonly latencyRuns: number;
  readonly latencyWarmup: number;
  readonly burst: { readonly triggers: number; readonly processes: number; readonly clients: number };
  /**
   * An experiment: a SQL file run on every seeded database before it is cloned (e.g. a candidate
   * index), so a production change can be measured without making it. The report names the file.
   */
  readonly seedSql: string | undefined;
}

export const USAGE = `npm run bench [-- options]
  --quick                  smaller sizes and counts (under 2 minutes)
  --only=a,b               sections: ${SECTIONS.join(', ')} (default: all)
  --sizes=10000,100000     overdue tasks per throughput measurement
  --batch-sizes=1000,5000  RESCHEDULE_BATCH_SIZE values to try (default 1000,5000,10000; --quick: 1000)
  --repeats=N              runs of each floor and of the real path per size and batch size
                           (medians reported; default 3, --quick 1)
  --latency-runs=N         trigger latency samples
  --seed-sql=FILE          experiment: run FILE on each seeded database (e.g. a candidate index)
DATABASE_URL / TEMPORAL_ADDRESS: use those servers instead of a throwaway stack.`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new UsageError(`unknown argument "${arg}"`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = ['quick', 'only', 'sizes', 'batch-sizes', 'repeats', 'latency-runs', 'seed-sql', 'help'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
  if (flags.has('help')) throw new UsageError('');

  const quick = flags.get('quick') === 'true';
  const only = flags.get('only');
  const sections = new Set<Section>(
    only === undefined
      ? SECTIONS
      : only.split(',').map((s) => {
          if (!(SECTIONS as readonly string[]).includes(s)) throw new UsageError(`unknown section "${s}"`);
          return s as Section;
        }),
  );
  return {
    quick,
    sections,
    sizes: numbers(flags.get('sizes'), quick ? [10_000, 50_000] : [10_000, 100_000, 1_000_000]),
    // --quick tries the default batch size only: each run needs a fresh worker, seconds to start.
    batchSizes: numbers(flags.get('batch-sizes'), quick ? [1000] : [1000, 5000, 10_000]),
    repeats: numbers(flags.get('repeats'), [quick ? 1 : 3])[0] ?? 1,
    users: 1000,
    latencyRuns: numbers(flags.get('latency-runs'), [quick ? 30 : 200])[0] ?? 30,
    latencyWarmup: quick ? 3 : 10,
    seedSql: flags.get('seed-sql'),
    burst: quick ? { triggers: 100, processes: 10, clients: 25 } : { triggers: 500, processes: 50, clients: 25 },
  };
}

function numbers(text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  const values = text.split(',').map((s) => Number(s.replace(/_/g, '')));
  if (values.length === 0 || !values.every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError(`"${text}" is not a list of positive whole numbers`);
  }
  return values;
}

export class UsageError extends Error {}
