/**
 * 3. Burst: many triggers of many processes at once, from concurrent clients, through the real API
 * and one real worker. What matters is correctness under contention: every accepted run ends with
 * a closed execution row (none lost), no workflow has two rows (none doubled), and no two runs of
 * one process ever overlap in time, whatever the API answered.
 */
import type { Orm } from '../db/orm';
import { sleep, throwIfAborted, type BenchContext } from './context';
import { RESCHEDULE } from './processes';
import { summarize, type Summary } from './stats';
import type { TriggerEnv } from './trigger-env';

const SETTLE_TIMEOUT_MS = 180_000;

export interface TriggerAnswer {
  readonly process: string;
  readonly status: number;
  readonly code?: string;
  readonly executionId?: string;
  readonly workflowId?: string;
  readonly ms: number;
}

export interface BurstResult {
  readonly triggers: number;
  readonly processes: number;
  readonly clients: number;
  readonly wallMs: number;
  readonly counts: {
    /** 202 */
    readonly started: number;
    /** 409 RUN_IN_PROGRESS */
    readonly rejectedOverlap: number;
    /** Any other answer (should be none). */
    readonly otherAnswers: number;
    readonly completed: number;
    readonly failed: number;
    /** Accepted, yet no closed execution row once everything settled. */
    readonly lost: number;
    /** Workflow ids (or execution ids) with more than one row, or one execution id answered twice. */
    readonly duplicated: number;
    /** Pairs of executions of one process whose [started_at, completed_at) intersect. */
    readonly overlapping: number;
    /** Rows no 202 accounts for (a run the API said it refused, yet ran). */
    readonly unaccountedRows: number;
  };
  readonly answerMs: Summary;
  readonly otherAnswerSamples: readonly TriggerAnswer[];
}

export async function measureBurst(ctx: BenchContext, env: TriggerEnv): Promise<BurstResult> {
  const { triggers, processes, clients } = ctx.options.burst;
  const { orm, api } = env;
  const baseUrl = api.baseUrl;
  const names = [RESCHEDULE, ...Array.from({ length: processes - 1 }, (_, i) => `bench_burst_${i + 1}`)];
  for (const extra of names.slice(1)) {
    await createProcess(baseUrl, extra);
    env.processNames.push(extra);
  }

  // Every process triggered triggers/processes times, in a fixed shuffled order.
  const jobs = shuffle(Array.from({ length: triggers }, (_, i) => names[i % names.length] as string));
  const answers: TriggerAnswer[] = [];
  // The database's clock, which started_at is on: rows opened from now on are the burst's.
  const [clock] = await orm.em.getConnection().execute<{ since: string }[]>('SELECT now()::text AS since');
  const since = clock?.since ?? new Date().toISOString();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let job = jobs.pop(); job !== undefined; job = jobs.pop()) {
        throwIfAborted(ctx.signal);
        answers.push(await trigger(baseUrl, job));
      }
    }),
  );
  const wallMs = performance.now() - started;
  const accepted = answers.filter((a) => a.status === 202);
  await settle(orm, accepted, ctx.signal);
  const counts = await check(orm, answers, accepted, since);
  ctx.log(
    `burst: ${triggers} triggers of ${processes} processes from ${clients} clients in ${(wallMs / 1000).toFixed(1)} s: ` +
      `${counts.started} started, ${counts.rejectedOverlap} rejected (409), ${counts.completed} completed, ` +
      `${counts.failed} failed, ${counts.lost} lost, ${counts.duplicated} duplicated, ${counts.overlapping} overlapping`,
  );
  return {
    triggers,
    processes,
    clients,
    wallMs,
    counts,
    answerMs: summarize(answers.map((a) => a.ms)),
    otherAnswerSamples: answers.filter((a) => a.status !== 202 && a.code !== 'RUN_IN_PROGRESS').slice(0, 5),
  };
}
/** Through the API, as a user would: a reschedule process that only runs when triggered. */
async function createProcess(baseUrl: string, name: string): Promise<void> {
  const response = await fetch(`${baseUrl}/processes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, implementation: RESCHEDULE, schedule: null }),
  });
  if (response.status !== 201) throw new Error(`POST /processes answered ${response.status}: ${await response.text()}`);
}

async function trigger(baseUrl: string, process: string): Promise<TriggerAnswer> {
  const sent = performance.now();
  const response = await fetch(`${baseUrl}/processes/${process}/trigger`, { method: 'POST' });
  const body = (await response.json()) as { code?: string; execution_id?: string; workflow_id?: string };
  return {
    process,
    status: response.status,
    code: body.code,
    executionId: body.execution_id,
    workflowId: body.workflow_id,
    ms: performance.now() - sent,
  };
}

/** Waits until every accepted run's row is closed (or the timeout: what is still open counts as lost). */
async function settle(orm: Orm, accepted: readonly TriggerAnswer[], signal: AbortSignal): Promise<void> {
  const ids = accepted.flatMap((a) => (a.executionId ? [a.executionId] : []));
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (Date.now() < deadline && !signal.aborted) {
    const [row] = await orm.em.getConnection().execute<{ closed: string }[]>(
      `SELECT count(*) AS closed FROM automated_process_executions
          WHERE execution_id = ANY(?::uuid[]) AND status IN ('completed', 'failed')`,
      [`{${ids.join(',')}}`],
    );
    if (Number(row?.closed) === ids.length) return;
    await sleep(200);
  }
}

async function check(orm: Orm, answers: readonly TriggerAnswer[], accepted: readonly TriggerAnswer[], since: string) {
  const connection = orm.em.getConnection();
  const ids = accepted.flatMap((a) => (a.executionId ? [a.executionId] : []));
  const idArray = `{${ids.join(',')}}`;
  const [closed] = await connection.execute<{ completed: string; failed: string }[]>(
    `SELECT count(*) FILTER (WHERE status = 'completed') AS completed, count(*) FILTER (WHERE status = 'failed') AS failed
       FROM automated_process_executions WHERE execution_id = ANY(?::uuid[])`,
    [idArray],
  );
  const [dupes] = await connection.execute<{ n: string }[]>(
    `SELECT count(*) AS n FROM (
       SELECT workflow_id FROM automated_process_executions WHERE workflow_id IS NOT NULL
        GROUP BY workflow_id HAVING count(*) > 1) d`,
  );
  const [overlaps] = await connection.execute<{ n: string }[]>(
    `SELECT count(*) AS n FROM automated_process_executions a JOIN automated_process_executions b
       ON a.process_id = b.process_id AND a.execution_id < b.execution_id
      WHERE tstzrange(a.started_at, coalesce(a.completed_at, 'infinity'), '[)')
         && tstzrange(b.started_at, coalesce(b.completed_at, 'infinity'), '[)')`,
  );
  // Rows opened during the burst that no 202 answered for.
  const [extra] = await connection.execute<{ n: string }[]>(
    `SELECT count(*) AS n FROM automated_process_executions
      WHERE started_at >= ?::timestamptz AND NOT (execution_id = ANY(?::uuid[]))`,
    [since, idArray],
  );
  const completed = Number(closed?.completed ?? 0);
  const failed = Number(closed?.failed ?? 0);
  return {
    started: accepted.length,
    rejectedOverlap: answers.filter((a) => a.status === 409 && a.code === 'RUN_IN_PROGRESS').length,
    otherAnswers: answers.filter((a) => a.status !== 202 && !(a.status === 409 && a.code === 'RUN_IN_PROGRESS')).length,
    completed,
    failed,
    lost: accepted.length - completed - failed,
    duplicated: Number(dupes?.n ?? 0) + (ids.length - new Set(ids).size),
    overlapping: Number(overlaps?.n ?? 0),
    unaccountedRows: Number(extra?.n ?? 0),
  };
}

/** Fisher–Yates with a fixed-seed generator (mulberry32): the same order every run. */
function shuffle<T>(items: T[]): T[] {
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
