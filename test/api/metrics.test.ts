/**
 * GET /metrics (api/routes/metrics.ts, api/services/metrics): counts from the execution rows, the day
 * ledger and the notifications outbox, aggregated once and then read incrementally; and its tokens.
 */
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { createMetricsCollector } from '../../api/services/metrics/collector';
import { sql } from '../helpers/database';
import { insertProcess } from '../helpers/fixtures';
import { AUTH, buildTestApi, type TestApi } from './helpers';

const METRICS_TOKEN = 'metrics-token-0123456789';

/** One sample line of the text format: its labels as an object, its value as a number. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with this name and these labels (among others); undefined when none. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

interface RunRow {
  readonly processId: string;
  readonly status: 'completed' | 'failed' | 'running';
  readonly trigger: string | null;
  /** Seconds before now() the row closed (completed_at); null: still open. */
  readonly closedAgo: number | null;
  readonly seconds?: number;
  /** Scheduled runs: how late started_at was after logical_time, in seconds. */
  readonly lateBy?: number;
  readonly result?: Record<string, unknown>;
}

async function insertRun(api: TestApi, run: RunRow): Promise<string> {
  const executionId = randomUUID();
  const seconds = run.seconds ?? 1;
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, trigger, started_at, completed_at, logical_time, result, workflow_id)
     SELECT ?, ?, ?, ?, closed - make_interval(secs => ?), CASE WHEN ? THEN closed END,
            closed - make_interval(secs => ?) - make_interval(secs => ?), ?::jsonb, ?
       FROM (SELECT now() - make_interval(secs => ?) AS closed) c`,
    [
      executionId,
      run.processId,
      run.status,
      run.trigger,
      seconds,
      run.closedAgo !== null,
      seconds,
      run.lateBy ?? 0,
      run.result === undefined ? null : JSON.stringify(run.result),
      `test-${executionId}`,
      run.closedAgo ?? 0,
    ],
  );
  return executionId;
}

async function insertNominalTime(api: TestApi, processId: string, outcome: string, minutesAgo: number) {
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_nominal_times
       (process_id, nominal_time, local_date, trigger, outcome, reason, workflow_id)
     VALUES (?, now() - make_interval(mins => ?), current_date - ?, 'schedule', ?, 'test', ?)`,
    [processId, minutesAgo, minutesAgo, outcome, `test-${randomUUID()}`],
  );
}

async function insertDelivery(
  api: TestApi,
  processId: string,
  channel: string,
  ended: 'delivered' | 'given_up' | null,
) {
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_notifications
       (delivery_id, process_id, event, channel_kind, channel_label, channel_index, payload, attempts,
        delivered_at, given_up_at)
     VALUES (?, ?, 'failed', ?, 'label', 0, '{}'::jsonb, 1, ?::timestamptz, ?::timestamptz)`,
    [
      randomUUID(),
      processId,
      channel,
      ended === 'delivered' ? new Date().toISOString() : null,
      ended === 'given_up' ? new Date().toISOString() : null,
    ],
  );
}

async function scrape(api: TestApi): Promise<Sample[]> {
  const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseSamples(res.body);
}

describe('GET /metrics', () => {
  let api: TestApi;
  let a: string;
  let b: string;
  let aId: string;
  let bId: string;
  let lastSuccessOfA: number;

  beforeAll(async () => {
    api = await buildTestApi({ env: { METRICS_TOKEN } });
    ({ processId: aId, name: a } = await insertProcess(api.db.orm));
    ({ processId: bId, name: b } = await insertProcess(api.db.orm));
    // Closed an hour or two ago (below the first scrape's floor: aggregated in SQL), and one just now
    // (above it: read row by row); an open run counts nowhere.
    await insertRun(api, {
      processId: aId,
      status: 'completed',
      trigger: 'schedule',
      closedAgo: 3600,
      seconds: 3,
      lateBy: 2,
      result: { tasks_rescheduled: 5 },
    });
    await insertRun(api, { processId: aId, status: 'failed', trigger: 'manual', closedAgo: 7200, seconds: 0.2 });
    const latest = await insertRun(api, {
      processId: aId,
      status: 'completed',
      trigger: 'schedule',
      closedAgo: 1800,
      seconds: 40,
      lateBy: 90,
      result: { tasks_archived: 2 },
    });
    await insertRun(api, { processId: bId, status: 'completed', trigger: 'backfill', closedAgo: 0, seconds: 1 });
    await insertRun(api, { processId: aId, status: 'running', trigger: 'schedule', closedAgo: null });
    const [row] = await sql<{ epoch: string }>(
      api.db.orm,
      'SELECT extract(epoch FROM completed_at)::text AS epoch FROM automated_process_executions WHERE execution_id = ?',
      [latest],
    );
    lastSuccessOfA = Number(row!.epoch);
    await insertNominalTime(api, aId, 'skipped', 120);
    await insertNominalTime(api, aId, 'skipped', 60);
    await insertNominalTime(api, aId, 'missed', 30);
    await insertNominalTime(api, aId, 'ran', 10);
    await insertDelivery(api, aId, 'webhook', 'delivered');
    await insertDelivery(api, aId, 'slack', 'given_up');
    await insertDelivery(api, aId, 'email', null);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('counts the runs that ended by process, status and trigger, their tasks and their durations', async () => {
    const samples = await scrape(api);
    const runs = samples.filter((s) => s.name === 'behflow_runs_total' && [a, b].includes(s.labels.process ?? ''));
    expect(runs.map((s) => [s.labels.process, s.labels.status, s.labels.trigger, s.value]).sort()).toEqual(
      [
        [a, 'completed', 'schedule', 2],
        [a, 'failed', 'manual', 1],
        [b, 'completed', 'backfill', 1],
        // At zero before any failure, so that an alert on increase() sees the first one.
        [a, 'failed', 'schedule', 0],
        [b, 'failed', 'backfill', 0],
        [b, 'failed', 'schedule', 0],
      ].sort(),
    );
    expect(valueOf(samples, 'behflow_tasks_moved_total', { process: a })).toBe(7);
    // Durations 0.2, 3 and 40 s.
    const duration = (le: string) => valueOf(samples, 'behflow_run_duration_seconds_bucket', { process: a, le });
    expect([duration('0.5'), duration('2.5'), duration('5'), duration('30'), duration('60'), duration('+Inf')]).toEqual(
      [1, 1, 2, 2, 3, 3],
    );
    expect(valueOf(samples, 'behflow_run_duration_seconds_count', { process: a })).toBe(3);
    expect(valueOf(samples, 'behflow_run_duration_seconds_sum', { process: a })).toBeCloseTo(43.2, 6);
    // Lateness of the scheduled runs only: 2 and 90 s.
    const lateness = (le: string) => valueOf(samples, 'behflow_schedule_lateness_seconds_bucket', { process: a, le });
    expect([lateness('1'), lateness('2.5'), lateness('60'), lateness('120')]).toEqual([0, 1, 1, 2]);
    expect(valueOf(samples, 'behflow_schedule_lateness_seconds_sum', { process: a })).toBeCloseTo(92, 6);
    // A scheduled process without a scheduled run yet: its histogram at zero.
    expect(valueOf(samples, 'behflow_schedule_lateness_seconds_count', { process: b })).toBe(0);
    expect(valueOf(samples, 'behflow_process_last_success_timestamp_seconds', { process: a })).toBeCloseTo(
      lastSuccessOfA,
      3,
    );
    expect(valueOf(samples, 'behflow_process_enabled', { process: a, trigger_type: 'time_based' })).toBe(1);
  });

  it("counts the ledger's skipped and missed times, and the deliveries by outcome", async () => {
    const samples = await scrape(api);
    expect(valueOf(samples, 'behflow_runs_skipped_total', { process: a })).toBe(2);
    expect(valueOf(samples, 'behflow_runs_missed_total', { process: a })).toBe(1);
    const deliveries = (channel: string, outcome: string) =>
      valueOf(samples, 'behflow_notification_deliveries_total', { process: a, channel, outcome });
    expect([deliveries('webhook', 'delivered'), deliveries('slack', 'given_up')]).toEqual([1, 1]);
    expect(deliveries('email', 'delivered')).toBeUndefined();
    expect(valueOf(samples, 'behflow_notification_deliveries_pending', { process: a, channel: 'email' })).toBe(1);
  });

  it('adds what closed since the last scrape, and counts nothing twice', async () => {
    await insertRun(api, { processId: aId, status: 'completed', trigger: 'schedule', closedAgo: 0, lateBy: 0.2 });
    // Closed (its transaction began) 30 s ago but committed only now: inside the floor's margin.
    await insertRun(api, { processId: aId, status: 'failed', trigger: 'manual', closedAgo: 30 });
    await insertNominalTime(api, aId, 'missed', 5);
    await insertDelivery(api, aId, 'email', 'delivered');
    for (const attempt of [1, 2]) {
      const samples = await scrape(api);
      const runs = (process: string, status: string, trigger: string) =>
        valueOf(samples, 'behflow_runs_total', { process, status, trigger });
      expect([attempt, runs(a, 'completed', 'schedule'), runs(a, 'failed', 'manual')]).toEqual([attempt, 3, 2]);
      expect([attempt, runs(b, 'completed', 'backfill')]).toEqual([attempt, 1]);
      expect(valueOf(samples, 'behflow_run_duration_seconds_count', { process: a })).toBe(5);
      // The two new runs took exactly 1 s: a bucket's bound is inclusive (le), as Prometheus counts.
      const duration = (le: string) => valueOf(samples, 'behflow_run_duration_seconds_bucket', { process: a, le });
      expect([duration('0.5'), duration('1'), duration('2.5')]).toEqual([1, 3, 3]);
      expect(valueOf(samples, 'behflow_schedule_lateness_seconds_bucket', { process: a, le: '0.25' })).toBe(1);
      expect(valueOf(samples, 'behflow_runs_missed_total', { process: a })).toBe(2);
      expect(
        valueOf(samples, 'behflow_notification_deliveries_total', {
          process: a,
          channel: 'email',
          outcome: 'delivered',
        }),
      ).toBe(1);
      expect(valueOf(samples, 'behflow_notification_deliveries_pending', { process: a, channel: 'email' })).toBe(1);
      expect(valueOf(samples, 'behflow_process_last_success_timestamp_seconds', { process: a })).toBeGreaterThan(
        lastSuccessOfA,
      );
    }
  });

  it('counts a run whose closing transaction began before a scrape and committed after it', async () => {
    // No margin: only the oldest open transaction (pg_stat_activity) keeps the floor low enough.
    const collector = createMetricsCollector(api.db.orm, { marginSeconds: 0 });
    const count = async () =>
      valueOf(parseSamples(await collector.scrape()), 'behflow_runs_total', {
        process: b,
        status: 'failed',
        trigger: 'schedule',
      }) ?? 0;
    expect(await count()).toBe(0);
    const closer = new PgClient({ connectionString: api.db.url });
    await closer.connect();
    try {
      const executionId = await insertRun(api, {
        processId: bId,
        status: 'running',
        trigger: 'schedule',
        closedAgo: null,
      });
      await closer.query('BEGIN');
      await closer.query('SELECT now()'); // the transaction's now(), which completed_at will get
      expect(await count()).toBe(0);
      await closer.query(
        `UPDATE automated_process_executions SET status = 'failed', completed_at = now() WHERE execution_id = $1`,
        [executionId],
      );
      expect(await count()).toBe(0); // not committed yet
      await closer.query('COMMIT');
      expect(await count()).toBe(1);
      expect(await count()).toBe(1);
    } finally {
      await closer.end();
    }
  });
});

describe('GET /metrics tokens', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await buildTestApi({ env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers 401 without a token, and takes API_TOKEN or METRICS_TOKEN', async () => {
    const none = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/METRICS_TOKEN/) });
    const wrong = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    for (const headers of [AUTH, { authorization: `Bearer ${METRICS_TOKEN}` }]) {
      const res = await api.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('# TYPE behflow_runs_total counter');
    }
  });

  it('takes METRICS_TOKEN on /metrics only', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/processes',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.statusCode).toBe(401);
  });

  it('is not in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: object }>();
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});

describe('GET /metrics without API_TOKEN', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await buildTestApi({ env: { API_TOKEN: '', METRICS_TOKEN } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('still needs METRICS_TOKEN when it is set, while the other routes need none (loopback only)', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const scraped = await api.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scraped.statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/processes' })).statusCode).toBe(200);
    const foreign = await api.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { host: 'evil.example', authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(foreign.statusCode).toBe(403);
  });
});
