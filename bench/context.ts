/** The options, what every section gets from bin/bench.ts, and the helpers they share. */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { databaseUrlFor } from '../db/database-url';
import { initORM, migrate } from '../db/orm';

export const ZONE = 'Asia/Tehran';
export const RESCHEDULE = 'reschedule_remaining_tasks';
const SECTIONS = ['throughput', 'latency', 'burst', 'lateness', 'console'];

export const USAGE = `npm run bench [-- options]
  --quick                  smaller sizes and counts (a few minutes)
  --only=a,b               sections: ${SECTIONS.join(', ')} (default: all)
  --sizes=10000,100000     overdue tasks per throughput measurement (default 10k,100k,1M,10M; --quick 10k,50k)
  --batch-sizes=1000,5000  RESCHEDULE_BATCH_SIZE values to try, the first being the production default
                           (default 1000; --quick 1000)
  --partitions=1,2,4       policy.partitions values to try with each batch size (default 1,2,4; --quick 1,2)
  --repeats=N              runs of each floor and of the real path per size, batch size and partitions
                           (medians reported; default 3, and 1 from 10M tasks up; --quick 1)
  --latency-runs=N         trigger latency samples (default 200, --quick 30)
  --lateness-processes=N   lateness: processes scheduled for each minute (default 50, --quick 10)
  --lateness-minutes=N     lateness: minutes in a row they fire (default 3, --quick 1)
  --console-executions=N   console: execution rows seeded (default 1M, --quick 10k)
  --console-moves=N        console: task-move audit rows seeded (default 10M, --quick 100k)
  --console-requests=N     console: measured requests per page (default 200, --quick 30)
  --help                   this text
DATABASE_URL / TEMPORAL_ADDRESS: use those servers instead of a throwaway stack.`;

export type BenchOptions = Exclude<ReturnType<typeof parseOptions>, undefined>;

/** The options, or undefined for --help; throws (naming the option) on anything else. */
export function parseOptions(args: string[]) {
  const text = { type: 'string' } as const;
  const flag = { type: 'boolean', default: false } as const;
  const options = {
    quick: flag,
    help: flag,
    only: text,
    sizes: text,
    'batch-sizes': text,
    repeats: text,
    partitions: text,
  };
  const consoleOptions = { 'console-executions': text, 'console-moves': text, 'console-requests': text };
  const latenessOptions = { 'lateness-processes': text, 'lateness-minutes': text };
  const { values } = parseArgs({
    args,
    options: { ...options, 'latency-runs': text, ...latenessOptions, ...consoleOptions },
  });
  if (values.help) return undefined;
  const quick = values.quick;
  const sections = new Set(values.only?.split(',') ?? SECTIONS);
  for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section "${s}"`);
  return {
    quick,
    sections,
    /** Overdue tasks per throughput measurement (as many not-overdue tasks are seeded beside them). */
    sizes: numbers('sizes', values.sizes, quick ? [10_000, 50_000] : [10_000, 100_000, 1_000_000, 10_000_000]),
    // Batch sizes of 1,000 to 10,000 were within 5 % of each other at every size (2026-11-26): the default only.
    batchSizes: numbers('batch-sizes', values['batch-sizes'], [1000]),
    /** policy.partitions of the real runs: each batch size is run with each. */
    partitions: numbers('partitions', values.partitions, quick ? [1, 2] : [1, 2, 4]),
    /** Unset: 3 (--quick 1), and 1 from 10M tasks up (bench/throughput.ts). */
    repeats: values.repeats === undefined ? undefined : numbers('repeats', values.repeats, [])[0],
    users: 1000,
    latencyRuns: numbers('latency-runs', values['latency-runs'], [quick ? 30 : 200])[0] ?? 30,
    latencyWarmup: quick ? 3 : 10,
    burst: { triggers: quick ? 100 : 500, processes: quick ? 10 : 50, clients: 25 },
    /** At least 100 scheduled fires (issue 14): `processes` processes scheduled for each of `minutes` minutes. */
    lateness: {
      processes: numbers('lateness-processes', values['lateness-processes'], [quick ? 10 : 50])[0] ?? 10,
      minutes: numbers('lateness-minutes', values['lateness-minutes'], [quick ? 1 : 3])[0] ?? 1,
    },
    console: {
      executions: numbers('console-executions', values['console-executions'], [quick ? 10_000 : 1_000_000])[0] ?? 0,
      moves: numbers('console-moves', values['console-moves'], [quick ? 100_000 : 10_000_000])[0] ?? 0,
      requests: numbers('console-requests', values['console-requests'], [quick ? 30 : 200])[0] ?? 30,
      warmup: quick ? 3 : 10,
    },
  };
}

function numbers(option: string, text: string | undefined, fallback: number[]): number[] {
  const values = text?.split(',').map((s) => Number(s.replace(/_/g, ''))) ?? fallback;
  if (values.every((n) => Number.isInteger(n) && n > 0)) return values;
  throw new Error(`--${option}: "${text}" is not a list of positive whole numbers`);
}

export interface BenchContext {
  readonly options: BenchOptions;
  readonly dbs: Databases;
  readonly temporalAddress: string;
  readonly client: Client;
  /** Workflow bundles, built once per run: workflows/ as production bundles it, and the latency floor's. */
  readonly bundles: { readonly processes: string; readonly noop: string };
  /** Short and unique per benchmark run: in database names, task queues and workflow ids. */
  readonly runId: string;
  /** Aborted on Ctrl-C: sections stop at the next step and clean up. */
  readonly signal: AbortSignal;
}

export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** A plain node-postgres client: the measurements must not go through the ORM they measure. */
export async function withPg<T>(url: string, use: (pg: PgClient) => Promise<T>): Promise<T> {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  return use(pg).finally(() => pg.end());
}

/**
 * Creates and drops the benchmark's databases, and remembers what it created so that a failed or
 * interrupted run still drops them (a 1M-task clone is most of a gigabyte).
 */
export class Databases {
  private readonly created = new Set<string>();

  constructor(private readonly baseUrl: string) {}

  readonly url = (name: string): string => databaseUrlFor(this.baseUrl, name);

  /**
   * A database with the service's migrations applied, or a copy of `template`. FILE_COPY (PostgreSQL
   * 15+) copies the files after a checkpoint instead of WAL-logging every block: far faster at 1M tasks.
   */
  async create(name: string, template?: string): Promise<string> {
    await this.drop(name);
    await this.admin(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template} STRATEGY = FILE_COPY` : ''}`);
    this.created.add(name);
    if (!template) await initORM(this.url(name), { poolMax: 2 }).then((orm) => migrate(orm).finally(() => orm.close()));
    return this.url(name);
  }

  async withClone<T>(template: string, name: string, use: (url: string) => Promise<T>): Promise<T> {
    return use(await this.create(name, template)).finally(() => this.drop(name));
  }

  async drop(name: string): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    this.created.delete(name);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created].reverse()) await this.drop(name);
  }

  private async admin(sql: string): Promise<void> {
    await withPg(this.url('postgres'), (pg) => pg.query(sql));
  }
}

/** Epoch milliseconds with sub-millisecond precision, comparable with PostgreSQL's now() on this machine. */
export const epochNow = () => performance.timeOrigin + performance.now();

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. The median is p = 50. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? NaN;
}
