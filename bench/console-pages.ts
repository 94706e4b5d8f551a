/**
 * 4. The console's pages and the JSON routes under them (issue 13 item 5, issue 14), at a million execution
 * rows and ten million audit rows: the server's own time per request (reply.elapsedTime, in an onResponse
 * hook) over many requests with varied parameters, through buildApp as production assembles it, against the
 * real schedules in Temporal. Table-driven: a page is one entry in CONSOLE_PAGES.
 */
import type { Client as PgClient } from 'pg';
import { buildApp } from '../api/app';
import { encodeCursor } from '../api/services/runs/cursor';
import { loadConfig } from '../config';
import { initORM } from '../db/orm';
import { silentLogger } from '../platform/logger';
import { ensureProcessRows } from '../processes/process-rows';
import { PROCESS_REGISTRY } from '../processes/registry';
import { reconcileSchedules } from '../temporal/reconcile';
import { scheduleSettings } from '../temporal/schedule-options';
import { deleteSchedule } from '../temporal/schedules';
import { seedConsoleData, type SeedSummary } from './console-seed';
import { log as benchLog, percentile, withPg, type BenchContext } from './context';
import { benchEnv } from './service';

/** What the pages' URLs are made from: real rows of the seeded database, sampled once. */
export interface ConsoleSamples {
  readonly processes: readonly string[];
  /** Executions that moved a few tasks (1 to 10), and some that moved thousands. */
  readonly fewMoves: readonly string[];
  readonly manyMoves: readonly string[];
  /** next_cursor values from deep in each process's history, as the API would hand them out. */
  readonly historyCursors: readonly { readonly process: string; readonly cursor: string }[];
  /** next_cursor values from deep in a large run's audit. */
  readonly moveCursors: readonly { readonly executionId: string; readonly cursor: string }[];
  /** A month of history about a year ago, for the from/to filter. */
  readonly monthAgo: { readonly from: string; readonly to: string };
}

export interface ConsolePage {
  readonly name: string;
  /** An HTML page (judged on p95 ≤ 150 ms) or a JSON route (also p99 ≤ 25 ms, issue 14). */
  readonly kind: 'page' | 'json';
  /** The URL of request number i (vary the parameters with i). */
  readonly url: (s: ConsoleSamples, i: number) => string;
}

const pick = <T>(list: readonly T[], i: number): T => {
  const item = list[i % list.length];
  if (item === undefined) throw new Error('the seed gave no sample for this page');
  return item;
};
const q = encodeURIComponent;

/** Every page and route measured; add the console's new pages here as they land. */
export const CONSOLE_PAGES: readonly ConsolePage[] = [
  { name: '/ui', kind: 'page', url: () => '/ui' },
  { name: '/ui/processes/:name', kind: 'page', url: (s, i) => `/ui/processes/${q(pick(s.processes, i))}` },
  {
    name: '  … 90-day chart, failed scheduled runs',
    kind: 'page',
    url: (s, i) => `/ui/processes/${q(pick(s.processes, i))}?days=90&status=failed&trigger=schedule`,
  },
  {
    name: '  … older page (cursor)',
    kind: 'page',
    url: (s, i) => {
      const { process, cursor } = pick(s.historyCursors, i);
      return `/ui/processes/${q(process)}?cursor=${cursor}`;
    },
  },
  {
    name: '  … from/to, a month a year ago',
    kind: 'page',
    url: (s, i) => {
      const day = (iso: string) => iso.slice(0, 10);
      return `/ui/processes/${q(pick(s.processes, i))}?from=${day(s.monthAgo.from)}&to=${day(s.monthAgo.to)}`;
    },
  },
  { name: '/ui/executions/:id, few moves', kind: 'page', url: (s, i) => `/ui/executions/${pick(s.fewMoves, i)}` },
  { name: '  … thousands of moves', kind: 'page', url: (s, i) => `/ui/executions/${pick(s.manyMoves, i)}` },
  {
    name: '  … thousands, a deep tasks page',
    kind: 'page',
    url: (s, i) => {
      const { executionId, cursor } = pick(s.moveCursors, i);
      return `/ui/executions/${executionId}?after=${cursor}`;
    },
  },
  {
    name: '/ui/processes/:name/trigger',
    kind: 'page',
    url: (s, i) => `/ui/processes/${q(pick(s.processes, i))}/trigger`,
  },
  {
    name: '/ui/processes/:name/schedule, a preview',
    kind: 'page',
    url: (s, i) =>
      `/ui/processes/${q(pick(s.processes, i))}/schedule?hour=${i % 24}&minute=30&timezone=America%2FNew_York`,
  },
  {
    name: '/ui/processes/:name/dry-run',
    kind: 'page',
    url: (s, i) => `/ui/processes/${q(pick(s.processes, i))}/dry-run`,
  },
  {
    name: 'GET /processes/:name/executions',
    kind: 'json',
    url: (s, i) => `/processes/${q(pick(s.processes, i))}/executions`,
  },
  {
    name: '  … deep page (cursor)',
    kind: 'json',
    url: (s, i) => {
      const { process, cursor } = pick(s.historyCursors, i);
      return `/processes/${q(process)}/executions?cursor=${cursor}`;
    },
  },
  {
    name: '  … status=failed',
    kind: 'json',
    url: (s, i) => `/processes/${q(pick(s.processes, i))}/executions?status=failed&limit=50`,
  },
  {
    name: '  … from/to, a month a year ago',
    kind: 'json',
    url: (s, i) => `/processes/${q(pick(s.processes, i))}/executions?from=${q(s.monthAgo.from)}&to=${q(s.monthAgo.to)}`,
  },
  { name: 'GET /executions/:id', kind: 'json', url: (s, i) => `/executions/${pick(s.manyMoves, i)}` },
  {
    name: 'GET /executions/:id/tasks, few moves',
    kind: 'json',
    url: (s, i) => `/executions/${pick(s.fewMoves, i)}/tasks`,
  },
  {
    name: '  … thousands of moves',
    kind: 'json',
    url: (s, i) => `/executions/${pick(s.manyMoves, i)}/tasks?limit=100`,
  },
  {
    name: '  … thousands, deep page (cursor)',
    kind: 'json',
    url: (s, i) => {
      const { executionId, cursor } = pick(s.moveCursors, i);
      return `/executions/${executionId}/tasks?limit=100&cursor=${cursor}`;
    },
  },
];

export interface PageTiming {
  readonly name: string;
  readonly kind: ConsolePage['kind'];
  /** Server time per request, ms (reply.elapsedTime), in the order measured. */
  readonly ms: number[];
}

export interface ConsoleResult {
  readonly seed: SeedSummary;
  readonly pages: PageTiming[];
}

export async function measureConsolePages(ctx: BenchContext): Promise<ConsoleResult> {
  const name = `bench_${ctx.runId}_console`;
  const url = await ctx.dbs.create(name);
  try {
    const seed = await seedConsoleDatabase(ctx, url);
    ctx.signal.throwIfAborted();
    return { seed, pages: await timeConsolePages(ctx, url) };
  } finally {
    await ctx.dbs.drop(name);
  }
}

const log = (line: string) => benchLog(`console: ${line}`);

/** The process rows as the worker creates them, then the seed. */
export async function seedConsoleDatabase(ctx: BenchContext, url: string): Promise<SeedSummary> {
  const { executions, moves } = ctx.options.console;
  const config = loadConfig(benchEnv(ctx, 'console', url), PROCESS_REGISTRY);
  const orm = await initORM(url, { poolMax: 2 });
  await ensureProcessRows(orm, PROCESS_REGISTRY, config, silentLogger).finally(() => orm.close());
  log(`seeding ${executions.toLocaleString('en-US')} executions, ${moves.toLocaleString('en-US')} task moves…`);
  const seed = await withPg(url, (pg) => seedConsoleData(pg, { executions, moves }));
  log(`seeded in ${seed.seconds.toFixed(1)} s (largest run: ${seed.largestRun.toLocaleString('en-US')} moves)`);
  return seed;
}

/** Each entry of CONSOLE_PAGES, warmed up then timed, on a seeded database, with the processes' schedules. */
export async function timeConsolePages(ctx: BenchContext, url: string): Promise<PageTiming[]> {
  const config = loadConfig(benchEnv(ctx, 'console', url), PROCESS_REGISTRY);
  const settings = scheduleSettings(config);
  const orm = await initORM(url);
  try {
    await reconcileSchedules({ orm, client: ctx.client, registry: PROCESS_REGISTRY, settings, logger: silentLogger });
    const samples = await withPg(url, sampleRows);
    const app = await buildApp({ orm, client: ctx.client, config, registry: PROCESS_REGISTRY }, { logger: false });
    let lastElapsed = NaN;
    app.addHook('onResponse', async (_request, reply) => {
      lastElapsed = reply.elapsedTime;
    });
    await app.ready();
    try {
      const pages: PageTiming[] = [];
      const { warmup, requests } = ctx.options.console;
      for (const page of CONSOLE_PAGES) {
        ctx.signal.throwIfAborted();
        const timing: PageTiming = { name: page.name, kind: page.kind, ms: [] };
        for (let i = 0; i < warmup + requests; i++) {
          const target = page.url(samples, i);
          const response = await app.inject({ method: 'GET', url: target });
          if (response.statusCode !== 200)
            throw new Error(`${target}: HTTP ${response.statusCode} ${response.body.slice(0, 300)}`);
          if (i >= warmup) timing.ms.push(lastElapsed);
        }
        pages.push(timing);
        log(
          `${page.name.trim()}: p50 ${percentile(timing.ms, 50).toFixed(1)} ms, p95 ${percentile(timing.ms, 95).toFixed(1)} ms`,
        );
      }
      return pages;
    } finally {
      await app.close();
    }
  } finally {
    for (const definition of PROCESS_REGISTRY)
      await deleteSchedule(ctx.client, definition.name, settings).catch(() => false);
    await orm.close();
  }
}

/** The rows the URLs are made of, from the seed's plan (bench_plan, in this session) and the tables. */
async function sampleRows(pg: PgClient): Promise<ConsoleSamples> {
  const ids = async (where: string) =>
    (
      await pg.query<{ id: string }>(
        `SELECT execution_id AS id FROM bench_plan WHERE ${where} ORDER BY random() LIMIT 50`,
      )
    ).rows.map((r) => r.id);
  const processes = (await pg.query<{ name: string }>('SELECT name FROM automated_processes ORDER BY name')).rows;
  const history = await pg.query<{ process: string; started: string; id: string }>(
    `SELECT p.name AS process, e.execution_id AS id,
            to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started
       FROM (SELECT execution_id FROM bench_plan WHERE status <> 'pending' ORDER BY random() LIMIT 100) s
       JOIN automated_process_executions e USING (execution_id)
       JOIN automated_processes p USING (process_id)`,
  );
  const manyMoves = await ids('moves >= 1000');
  // A run's audit ids are consecutive (one INSERT … SELECT): any id between its first and last is on a page.
  const ranges = await pg.query<{ id: string; first: string; last: string }>(
    `SELECT execution_id AS id, min(id) AS first, max(id) AS last FROM automated_process_task_moves
      WHERE execution_id = ANY($1::uuid[]) GROUP BY execution_id`,
    [manyMoves.slice(0, 20)],
  );
  const monthAgo = await pg.query<{ from: string; to: string }>(
    `SELECT to_char(date_trunc('month', now() - interval '1 year'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "from",
            to_char(date_trunc('month', now() - interval '11 months'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "to"`,
  );
  const month = monthAgo.rows[0];
  if (!month) throw new Error('no month');
  return {
    processes: processes.map((p) => p.name),
    fewMoves: await ids('moves BETWEEN 1 AND 10'),
    manyMoves,
    historyCursors: history.rows.map((r) => ({ process: r.process, cursor: encodeCursor([r.started, r.id]) })),
    moveCursors: ranges.rows.map((r, i) => {
      const [first, last] = [BigInt(r.first), BigInt(r.last)];
      const at = first + ((last - first) * BigInt(1 + (i % 9))) / 10n;
      return { executionId: r.id, cursor: encodeCursor([String(at)]) };
    }),
    monthAgo: month,
  };
}
