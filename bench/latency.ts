/**
 * 2. Trigger latency: POST /processes/:name/trigger?wait=true on a real listening API, for a process
 * with nothing to do, until its execution row is completed. The floor: a bare workflow calling one
 * no-op activity on the same server (bench/floors/), its own worker and task queue, from client
 * start to result. Ours and the floor alternate, sample by sample, so the machine's noise (other
 * engineers' tests) falls on both alike.
 */
import { randomUUID } from 'node:crypto';
import { epochNow, throwIfAborted, type BenchContext } from './context';
import { RESCHEDULE } from './processes';
import { summarize, type Summary } from './stats';
import type { TriggerEnv } from './trigger-env';

export interface LatencyResult {
  readonly runs: number;
  readonly warmup: number;
  readonly request: string;
  /** Trigger sent → execution row completed (its completed_at). The figure the target is about. */
  readonly toCompletedRowMs: readonly number[];
  /** Trigger sent → HTTP answer (200, the completed execution), as a caller sees it. */
  readonly httpMs: readonly number[];
  readonly floorMs: readonly number[];
  readonly summary: { readonly ours: Summary; readonly http: Summary; readonly floor: Summary };
}

export async function measureLatency(ctx: BenchContext, env: TriggerEnv): Promise<LatencyResult> {
  const { orm, api, floorQueue } = env;
  const request = `${api.baseUrl}/processes/${RESCHEDULE}/trigger?wait=true`;

  const ours = async () => {
    const sent = epochNow();
    const response = await fetch(request, { method: 'POST' });
    const answered = epochNow();
    const body = (await response.json()) as { execution_id?: string; status?: string };
    if (response.status !== 200 || body.status !== 'completed' || !body.execution_id) {
      throw new Error(`trigger answered ${response.status}: ${JSON.stringify(body)}`);
    }
    const [row] = await orm.em
      .getConnection()
      .execute<{ completed_ms: number }[]>(
        `SELECT extract(epoch FROM completed_at) * 1000 AS completed_ms FROM automated_process_executions WHERE execution_id = ?`,
        [body.execution_id],
      );
    return { row: Number(row?.completed_ms) - sent, http: answered - sent };
  };
  const floor = async () => {
    const started = performance.now();
    await ctx.client.workflow.execute('noopWorkflow', {
      taskQueue: floorQueue,
      workflowId: `bench-noop-${randomUUID()}`,
    });
    return performance.now() - started;
  };

  for (let i = 0; i < ctx.options.latencyWarmup; i++) {
    await ours();
    await floor();
  }
  const toCompletedRowMs: number[] = [];
  const httpMs: number[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < ctx.options.latencyRuns; i++) {
    throwIfAborted(ctx.signal);
    const sample = await ours();
    toCompletedRowMs.push(sample.row);
    httpMs.push(sample.http);
    floorMs.push(await floor());
  }
  const result: LatencyResult = {
    runs: ctx.options.latencyRuns,
    warmup: ctx.options.latencyWarmup,
    request: `POST /processes/${RESCHEDULE}/trigger?wait=true`,
    toCompletedRowMs,
    httpMs,
    floorMs,
    summary: { ours: summarize(toCompletedRowMs), http: summarize(httpMs), floor: summarize(floorMs) },
  };
  const { ours: o, floor: f } = result.summary;
  ctx.log(
    `latency: p50 ${o.p50.toFixed(0)} ms (floor ${f.p50.toFixed(0)} ms), p95 ${o.p95.toFixed(0)} ms ` +
      `(floor ${f.p95.toFixed(0)} ms), p99 ${o.p99.toFixed(0)} ms (floor ${f.p99.toFixed(0)} ms)`,
  );
  return result;
}
