/**
 * Schedule lateness (issue 14): many processes created through the API with daily schedules a few minutes
 * ahead, so that their Temporal schedules fire at once, minute after minute; from each fire's nominal time
 * (logical_time) to its row opened and to the run started. The checks: every process fired exactly once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { epochNow, log, RESCHEDULE, type BenchContext } from './context';
import { JSON_CONTENT, type TriggerEnv } from './triggers';

const MINUTE_MS = 60_000;

export interface LatenessResult {
  readonly processes: number;
  readonly minutes: number;
  readonly fires: number;
  /** Processes whose row never appeared (by a minute after their nominal time). */
  readonly missing: number;
  /** Rows beyond one per process. */
  readonly doubled: number;
  /** Nominal time to the row's insert (pending or running), and to the run holding its slot, per fire. */
  readonly toRowOpenedMs: number[];
  readonly toStartedMs: number[];
  /** Temporal's share: nominal time to the workflow's start (the schedule's action), per fire. */
  readonly toWorkflowStartMs: number[];
}

export async function measureLateness(ctx: BenchContext, { orm, baseUrl }: TriggerEnv): Promise<LatenessResult> {
  const { processes, minutes } = ctx.options.lateness;
  // The first fire at least a minute away: creating the processes must be done before it.
  const first = Math.ceil((Date.now() + MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
  const fires = Array.from({ length: minutes }, (_, m) => first + m * MINUTE_MS);
  const names = fires.flatMap((_, m) => Array.from({ length: processes }, (__, i) => `bench_late_${m}_${i}`));
  const request = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: JSON_CONTENT,
      ...(body && { body: JSON.stringify(body) }),
    });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  };
  try {
    for (const [i, name] of names.entries()) {
      ctx.signal.throwIfAborted();
      const at = new Date(fires[Math.floor(i / processes)] ?? first);
      const schedule = { hour: at.getUTCHours(), minute: at.getUTCMinutes(), timezone: 'UTC' };
      await request('POST', '/processes', { name, implementation: RESCHEDULE, schedule });
    }
    if (Date.now() > first) throw new Error('creating the processes took past the first fire: use fewer');
    log(
      `lateness: ${names.length} processes created; fires at ${fires.map((f) => new Date(f).toISOString()).join(', ')}`,
    );
    const sql = orm.em.getConnection();
    type Row = { process: string; workflow_id: string; nominal: number; opened: number; started: number };
    const rows = async () =>
      sql.execute<Row[]>(
        `SELECT p.name AS process, e.workflow_id, extract(epoch FROM e.logical_time) * 1000 AS nominal,
                extract(epoch FROM coalesce(e.queued_at, e.started_at)) * 1000 AS opened,
                extract(epoch FROM e.started_at) * 1000 AS started
           FROM automated_process_executions e JOIN automated_processes p ON p.process_id = e.process_id
          WHERE e.trigger = 'schedule' AND p.name = ANY(?) AND e.status <> 'pending'`,
        [`{${names.join(',')}}`],
      );
    const deadline = (fires.at(-1) ?? first) + MINUTE_MS;
    let seen = await rows();
    while (seen.length < names.length && epochNow() < deadline) {
      await sleep(1000, undefined, { signal: ctx.signal });
      seen = await rows();
    }
    const firstOf = new Map<string, Row>();
    for (const row of seen) if (!firstOf.has(row.process)) firstOf.set(row.process, row);
    const measured = [...firstOf.values()];
    const workflowStarts = await Promise.all(
      measured.map(async (r) => (await ctx.client.workflow.getHandle(r.workflow_id).describe()).startTime.getTime()),
    );
    const result = {
      processes,
      minutes,
      fires: seen.length,
      missing: names.length - firstOf.size,
      doubled: seen.length - firstOf.size,
      toRowOpenedMs: measured.map((r) => Number(r.opened) - Number(r.nominal)),
      toStartedMs: measured.map((r) => Number(r.started) - Number(r.nominal)),
      toWorkflowStartMs: measured.map((r, i) => (workflowStarts[i] ?? NaN) - Number(r.nominal)),
    };
    log(`lateness: ${result.fires} fires of ${names.length}, ${result.missing} missing, ${result.doubled} doubled`);
    return result;
  } finally {
    // Their schedules would fire again tomorrow on a Temporal server given by TEMPORAL_ADDRESS.
    for (const name of names) await request('DELETE', `/processes/${name}`).catch(() => undefined);
  }
}
