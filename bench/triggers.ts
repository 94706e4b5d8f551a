/**
 * 2. Trigger latency and 3. the burst, through the real API (buildApp, as api/server.ts builds it) on a loopback
 * port. Both share a database without tasks and one worker process (each takes seconds to start); the burst's
 * checks cover the latency runs too. No API_TOKEN (auth off, as on a loopback-only server), no request logging.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../api/app';
import type { Orm } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { epochNow, log, percentile, RESCHEDULE, type BenchContext } from './context';
import { withService } from './service';

/** Every write to the API says it is JSON, even without a body (else 415). */
export const JSON_CONTENT = { 'content-type': 'application/json' };

export type TriggerEnv = { readonly orm: Orm; readonly baseUrl: string; readonly floorQueue: string };

export async function withTriggerEnv<T>(ctx: BenchContext, use: (env: TriggerEnv) => Promise<T>): Promise<T> {
  const url = await ctx.dbs.create(`bench_${ctx.runId}_triggers`);
  const floorQueue = `bench-${ctx.runId}-floor`;
  return withService(ctx, url, 'triggers', { floorQueue }, async ({ orm, config }) => {
    const app = await buildApp({ orm, client: ctx.client, config, registry: PROCESS_REGISTRY }, { logger: false });
    // listen resolves with the address, http://127.0.0.1:<port>.
    const run = app.listen({ host: '127.0.0.1', port: 0 }).then((baseUrl) => use({ orm, baseUrl, floorQueue }));
    return run.finally(() => app.close());
  });
}

/**
 * POST /processes/:name/trigger?wait=true for a process with nothing to do, to its completed row and to
 * the HTTP 200, against the floor: a bare workflow calling one no-op activity, from client start to
 * result. Ours and the floor alternate, sample by sample, so the machine's noise falls on both alike.
 */
export async function measureLatency(ctx: BenchContext, { orm, baseUrl, floorQueue }: TriggerEnv) {
  const samples = { toCompletedRowMs: [] as number[], httpMs: [] as number[], floorMs: [] as number[] };
  const sql = orm.em.getConnection();
  for (let i = 0; i < ctx.options.latencyWarmup + ctx.options.latencyRuns; i++) {
    ctx.signal.throwIfAborted();
    const sent = epochNow();
    const response = await fetch(`${baseUrl}/processes/${RESCHEDULE}/trigger?wait=true`, {
      method: 'POST',
      headers: JSON_CONTENT,
    });
    const answered = epochNow();
    const body = (await response.json()) as { execution_id?: string; status?: string };
    if (response.status !== 200 || body.status !== 'completed' || !body.execution_id)
      throw new Error(`trigger answered ${response.status}: ${JSON.stringify(body)}`);
    const completedMs = 'SELECT extract(epoch FROM completed_at) * 1000 AS ms FROM automated_process_executions';
    const [row] = await sql.execute<{ ms: number }[]>(`${completedMs} WHERE execution_id = ?`, [body.execution_id]);
    const started = performance.now();
    await ctx.client.workflow.execute('noopWorkflow', { taskQueue: floorQueue, workflowId: `bench-${randomUUID()}` });
    if (i < ctx.options.latencyWarmup) continue;
    samples.floorMs.push(performance.now() - started);
    samples.toCompletedRowMs.push(Number(row?.ms) - sent);
    samples.httpMs.push(answered - sent);
  }
  const [ours, http, floor] = Object.values(samples).map((s) => percentile(s, 50).toFixed(0));
  log(`latency: p50 ${ours} ms to the completed row, ${http} ms to HTTP 200; floor ${floor} ms`);
  return samples;
}

/**
 * Many triggers of many processes at once from concurrent clients. What matters is correctness under
 * contention: every accepted run ends with a closed row (none lost), no workflow has two rows (none
 * doubled), and no two runs of one process ever overlap in time, whatever the API answered.
 */
export async function measureBurst(ctx: BenchContext, { orm, baseUrl }: TriggerEnv) {
  const { triggers, processes, clients } = ctx.options.burst;
  const names = [RESCHEDULE, ...Array.from({ length: processes - 1 }, (_, i) => `bench_burst_${i + 1}`)];
  for (const name of names.slice(1)) {
    // As a user would: a reschedule process that only runs when triggered (so without a schedule).
    const response = await fetch(`${baseUrl}/processes`, {
      method: 'POST',
      headers: JSON_CONTENT,
      body: JSON.stringify({ name, implementation: RESCHEDULE, schedule: null }),
    });
    if (response.status !== 201) throw new Error(`POST /processes: ${response.status} ${await response.text()}`);
  }
  // Every process triggered triggers/processes times, in a fixed shuffled order (sorted by a hash).
  const key = (i: number) => createHash('sha256').update(String(i)).digest().readUInt32BE(0);
  const jobs = Array.from({ length: triggers }, (_, i) => i).sort((a, b) => key(a) - key(b));
  const answers: { status: number; code?: string; execution_id?: string }[] = [];
  const sql = orm.em.getConnection();
  // The database's clock, which started_at is on: rows opened from now on are the burst's.
  const [clock] = await sql.execute<{ now: string }[]>('SELECT now()::text AS now');
  const started = performance.now();
  const client = async () => {
    for (let job = jobs.pop(); job !== undefined; job = jobs.pop()) {
      ctx.signal.throwIfAborted();
      const response = await fetch(`${baseUrl}/processes/${names[job % processes]}/trigger`, {
        method: 'POST',
        headers: JSON_CONTENT,
      });
      answers.push({ ...((await response.json()) as object), status: response.status });
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  const ids = answers.flatMap((a) => (a.status === 202 && a.execution_id ? [a.execution_id] : []));
  const others = answers.filter((a) => a.status !== 202 && !(a.status === 409 && a.code === 'RUN_IN_PROGRESS'));
  const count = async () => {
    type Counts = Record<'completed' | 'failed' | 'unaccountedRows' | 'doubled' | 'overlapping', number>;
    const [counts] = await sql.execute<Counts[]>(
      `WITH accepted AS (SELECT unnest(?::uuid[]) AS execution_id), e AS (SELECT * FROM automated_process_executions)
       SELECT count(*) FILTER (WHERE status = 'completed' AND execution_id IN (SELECT * FROM accepted))::int AS completed,
              count(*) FILTER (WHERE status = 'failed' AND execution_id IN (SELECT * FROM accepted))::int AS failed,
              count(*) FILTER (WHERE started_at >= ?::timestamptz AND execution_id NOT IN (SELECT * FROM accepted))::int
                AS "unaccountedRows",
              (SELECT count(*)::int FROM (SELECT FROM e WHERE workflow_id IS NOT NULL GROUP BY workflow_id
                                          HAVING count(*) > 1) d) AS doubled,
              (SELECT count(*)::int FROM e a JOIN e b ON a.process_id = b.process_id AND a.execution_id < b.execution_id
                WHERE tstzrange(a.started_at, coalesce(a.completed_at, 'infinity'), '[)')
                   && tstzrange(b.started_at, coalesce(b.completed_at, 'infinity'), '[)')) AS overlapping
         FROM e`,
      [`{${ids.join(',')}}`, clock?.now],
    );
    return counts ?? Promise.reject(new Error('the burst counts query returned no row'));
  };
  // Every accepted run's row closed, or three minutes: what is still open then counts as lost.
  const deadline = Date.now() + 180_000;
  let c = await count();
  for (; c.completed + c.failed < ids.length && Date.now() < deadline; c = await count())
    await sleep(200, undefined, { signal: ctx.signal });
  const { doubled, ...counts } = c;
  const result = {
    ...ctx.options.burst,
    seconds,
    started: ids.length,
    rejectedOverlap: answers.length - ids.length - others.length,
    ...counts,
    lost: ids.length - c.completed - c.failed,
    /** Workflow ids with more than one row, or one execution id answered twice. */
    duplicated: doubled + ids.length - new Set(ids).size,
    /** Any answer but 202 and 409 RUN_IN_PROGRESS (should be none); rows no 202 accounts for are unaccountedRows. */
    otherAnswers: others.length,
  };
  log(`burst: ${JSON.stringify(result)}`);
  return { ...result, otherAnswerSamples: others.slice(0, 5) };
}
