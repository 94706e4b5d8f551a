import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { createExecutionActivities } from '../../activities/executions';
import { createNotificationActivities } from '../../activities/notifications/deliver';
import type { NotificationPayload } from '../../activities/notifications/outbox';
import type { BeginScheduledOutcome } from '../../activities/run-types';
import { buildApp, type App } from '../../api/app';
import { loadConfig } from '../../config';
import { silentLogger } from '../../platform/logger';
import { ensureProcessRows } from '../../processes/process-rows';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { AUTH, TEST_TOKEN } from '../api/helpers';
import { startPendingDeliveries } from '../../worker/notification-sweep';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { insertProcess, insertTask } from '../helpers/fixtures';
import {
  connectTestTemporal,
  eventually,
  startWorker,
  testNotificationSettings,
  type RunningWorker,
  type TestTemporal,
} from '../helpers/temporal';
import { verifyBehflowSignature } from '../helpers/verify-signature';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../helpers/webhook-receiver';

const SECRET = 'webhook-secret-of-the-test-0123456789';
const WRONG_SECRET = 'another-secret-not-the-policys-0123';
/** process_config that the reschedule work refuses (non-retryable): the run fails at once. */
const BREAKING_KEY = { not_a_setting: true };

interface Mail {
  readonly to: string[];
  readonly raw: string;
}

let db: TestDatabase;
let temporal: TestTemporal;
let worker: RunningWorker;
let receiver: WebhookReceiver;
let smtp: SMTPServer;
let smtpUrl: string;
const mails: Mail[] = [];
/** Milliseconds from a failed run's row closing to its webhook arriving, over every such run here. */
const latencies: number[] = [];

beforeAll(async () => {
  [db, temporal, receiver] = await Promise.all([createTestDatabase(), connectTestTemporal(), startWebhookReceiver()]);
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        // Quoted-printable's soft line breaks undone, so the text reads as sent.
        const raw = Buffer.concat(chunks)
          .toString('utf8')
          .replace(/=\r?\n/g, '');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  worker = await startWorker(temporal, db.orm, {}, 500, { smtpUrl });
  await ensureProcessRows(db.orm, PROCESS_REGISTRY, loadConfig({}, PROCESS_REGISTRY), silentLogger);
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
  await temporal?.close();
  await db?.drop();
  if (latencies.length > 0) {
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
    console.log(`failure → webhook latency over ${sorted.length} runs: p50 ${p50} ms, max ${sorted.at(-1)} ms`);
  }
});

interface TestProcess {
  readonly processId: string;
  readonly name: string;
  readonly userId: string;
}

/** A reschedule process of its own (its own user's tasks), with this policy stored as the API stores it. */
async function processWith(policy: object, config: Record<string, unknown> = {}): Promise<TestProcess> {
  const userId = randomUUID();
  const { processId, name } = await insertProcess(db.orm, { config: { user_ids: [userId], ...config } });
  await sql(
    db.orm,
    `INSERT INTO automated_process_registrations (process_id, implementation, display_name, policy)
     VALUES (?, 'reschedule_remaining_tasks', ?, ?::jsonb)`,
    [processId, name, JSON.stringify(policy)],
  );
  return { processId, name, userId };
}

const webhook = (on: string[], url = receiver.url) => ({ on, webhook: { url, secret: SECRET } });

async function setConfig(process: TestProcess, config: Record<string, unknown>): Promise<void> {
  await sql(db.orm, 'UPDATE automated_processes SET process_config = ?::jsonb WHERE process_id = ?', [
    JSON.stringify({ user_ids: [process.userId], ...config }),
    process.processId,
  ]);
}

interface ClosedRun {
  readonly executionId: string;
  readonly status: string;
  readonly completedAtMs: number;
}

/** A manual run of the process, to its end; its row as closed. */
async function run(process: TestProcess): Promise<ClosedRun> {
  const executionId = randomUUID();
  const handle = await temporal.client.workflow.start('rescheduleRemainingTasks', {
    taskQueue: temporal.taskQueue,
    workflowId: `test-notify-${executionId}`,
    args: [{ processName: process.name, trigger: 'manual', executionId }],
  });
  await handle.result().catch(() => undefined);
  const [row] = await sql<{ status: string; completed_ms: number }>(
    db.orm,
    `SELECT status, (extract(epoch FROM completed_at) * 1000)::float8 AS completed_ms
       FROM automated_process_executions WHERE execution_id = ?`,
    [executionId],
  );
  if (!row) throw new Error(`run ${executionId} opened no row`);
  return { executionId, status: row.status, completedAtMs: Number(row.completed_ms) };
}

interface OutboxRow {
  delivery_id: string;
  event: string;
  execution_id: string | null;
  channel_kind: string;
  channel_label: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  delivered: boolean;
  given_up: boolean;
  payload: NotificationPayload;
}

async function outbox(process: TestProcess): Promise<OutboxRow[]> {
  return sql<OutboxRow>(
    db.orm,
    `SELECT delivery_id, event, execution_id, channel_kind, channel_label, attempts, last_status, last_error,
            delivered_at IS NOT NULL AS delivered, given_up_at IS NOT NULL AS given_up, payload
       FROM automated_process_notifications WHERE process_id = ? ORDER BY created_at, delivery_id`,
    [process.processId],
  );
}

const bodyOf = (request: ReceivedRequest) => JSON.parse(request.rawBody) as NotificationPayload;

function receivedFor(process: TestProcess, at: WebhookReceiver = receiver): ReceivedRequest[] {
  return at.received.filter((r) => bodyOf(r).process.name === process.name);
}

async function webhooksFor(process: TestProcess, count: number, at: WebhookReceiver = receiver) {
  return eventually(async () => {
    const got = receivedFor(process, at);
    return got.length >= count ? got : undefined;
  });
}

describe('webhook notifications', () => {
  it('sends run.failed, signed, when a run fails; after the repair, run.recovered once', async () => {
    const process = await processWith({ notify: [webhook(['failed', 'recovered'])] }, BREAKING_KEY);

    const failed = await run(process);
    expect(failed.status).toBe('failed');
    const [delivery] = await webhooksFor(process, 1);
    latencies.push(delivery!.receivedAt - failed.completedAtMs);

    const body = bodyOf(delivery!);
    expect(delivery!.path).toBe('/hooks/behflow');
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['behflow-delivery']).toBe(body.id);
    expect(verifyBehflowSignature(delivery!.rawBody, delivery!.headers['behflow-signature'] as string, SECRET)).toBe(
      true,
    );
    expect(
      verifyBehflowSignature(delivery!.rawBody, delivery!.headers['behflow-signature'] as string, WRONG_SECRET),
    ).toBe(false);
    expect(
      verifyBehflowSignature(`${delivery!.rawBody} `, delivery!.headers['behflow-signature'] as string, SECRET),
    ).toBe(false);
    expect(Object.keys(body)).toEqual(['id', 'type', 'occurred_at', 'process', 'execution']);
    expect(body).toMatchObject({
      type: 'run.failed',
      process: { name: process.name },
      execution: {
        execution_id: failed.executionId,
        process_name: process.name,
        status: 'failed',
        trigger: 'manual',
        result: null,
        error_message: expect.stringContaining('not_a_setting'),
        web_ui_url: expect.stringContaining('/workflows/test-notify-'),
      },
    });
    expect(delivery!.rawBody).not.toContain(SECRET);

    await eventually(async () => ((await outbox(process))[0]?.delivered ? true : undefined));
    expect(await outbox(process)).toEqual([
      expect.objectContaining({
        delivery_id: body.id,
        event: 'failed',
        execution_id: failed.executionId,
        channel_kind: 'webhook',
        channel_label: receiver.url,
        attempts: 1,
        last_status: 200,
        last_error: null,
        delivered: true,
        given_up: false,
      }),
    ]);

    await setConfig(process, {});
    const repaired = await run(process);
    expect(repaired.status).toBe('completed');
    const [, recovered] = await webhooksFor(process, 2);
    expect(bodyOf(recovered!)).toMatchObject({
      type: 'run.recovered',
      execution: { execution_id: repaired.executionId, status: 'completed', error_message: null },
    });
    expect(verifyBehflowSignature(recovered!.rawBody, recovered!.headers['behflow-signature'] as string, SECRET)).toBe(
      true,
    );

    // Recovered once: the next success has no failures before it.
    expect((await run(process)).status).toBe('completed');
    expect((await outbox(process)).map((r) => r.event)).toEqual(['failed', 'recovered']);
  });

  it('with alert_after_consecutive_failures 2, alerts on the second failure in a row only, and recovers after it', async () => {
    const process = await processWith(
      { notify: [webhook(['failed', 'recovered'])], alert_after_consecutive_failures: 2 },
      BREAKING_KEY,
    );
    const runs: ClosedRun[] = [];
    const runAs = async (config: Record<string, unknown>) => {
      await setConfig(process, config);
      runs.push(await run(process));
    };
    await runAs(BREAKING_KEY); // 1 failure
    await runAs({}); // success: no streak that alerted, so no recovered
    await runAs(BREAKING_KEY); // 1
    await runAs(BREAKING_KEY); // 2: alert
    await runAs(BREAKING_KEY); // 3: no second alert
    await runAs({}); // recovered
    expect(runs.map((r) => r.status)).toEqual(['failed', 'completed', 'failed', 'failed', 'failed', 'completed']);

    expect((await outbox(process)).map((r) => [r.event, r.execution_id])).toEqual([
      ['failed', runs[3]!.executionId],
      ['recovered', runs[5]!.executionId],
    ]);
    const delivered = await webhooksFor(process, 2);
    expect(delivered.map((d) => bodyOf(d).type)).toEqual(['run.failed', 'run.recovered']);
  });

  it('retries a receiver that answers 500 with the same delivery id, and the row shows both attempts', async () => {
    const flaky = await startWebhookReceiver('/flaky');
    try {
      flaky.answerWith(500);
      const process = await processWith({ notify: [webhook(['failed'], flaky.url)] }, BREAKING_KEY);
      await run(process);
      const [first, second] = await webhooksFor(process, 2, flaky);
      expect(second!.headers['behflow-delivery']).toBe(first!.headers['behflow-delivery']);
      expect(bodyOf(second!).id).toBe(bodyOf(first!).id);
      // Signed again for its own time; the same event.
      expect(verifyBehflowSignature(second!.rawBody, second!.headers['behflow-signature'] as string, SECRET)).toBe(
        true,
      );
      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(4_500); // the 5 s backoff
      await eventually(async () => ((await outbox(process))[0]?.delivered ? true : undefined));
      expect(await outbox(process)).toEqual([
        expect.objectContaining({ attempts: 2, last_status: 200, delivered: true, given_up: false }),
      ]);
    } finally {
      await flaky.close();
    }
  }, 60_000);

  it('records the failed attempt while it retries: status, error, no delivery yet', async () => {
    const down = await startWebhookReceiver('/down');
    try {
      down.answerWith(503, 503, 503);
      const process = await processWith({ notify: [webhook(['failed'], down.url)] }, BREAKING_KEY);
      await run(process);
      await webhooksFor(process, 1, down);
      const row = await eventually(async () => {
        const [r] = await outbox(process);
        return r?.last_status === 503 ? r : undefined;
      });
      expect(row).toMatchObject({ attempts: 1, last_error: 'answered 503: receiver says no', delivered: false });
    } finally {
      await down.close();
    }
  });
});

describe('webhook redirects', () => {
  it('are not followed: the attempt fails with the 3xx and the target never gets the body', async () => {
    const target = await startWebhookReceiver('/elsewhere');
    const server = http.createServer((_req, res) => res.writeHead(307, { location: target.url }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/moved`;
      const process = await processWith({ notify: [webhook(['failed'], url)] }, BREAKING_KEY);
      await run(process);
      const row = await eventually(async () => {
        const [r] = await outbox(process);
        return r?.last_status === 307 ? r : undefined;
      });
      expect(row).toMatchObject({ last_error: 'redirect (307) not followed', delivered: false });
      expect(target.received).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await target.close();
    }
  });
});

describe('queuing notifications', () => {
  it('sends run.timed_out for a run whose failure was its timeout', async () => {
    const process = await processWith({ notify: [webhook(['timed_out'])] });
    const executionId = randomUUID();
    await sql(
      db.orm,
      `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, trigger)
       VALUES (?, ?, 'running', now(), 'manual')`,
      [executionId, process.processId],
    );
    const activities = createExecutionActivities({
      orm: db.orm,
      temporal: temporal.client,
      batchSize: 10,
      notifications: testNotificationSettings(temporal),
    });
    await new MockActivityEnvironment().run(
      activities.failExecution,
      executionId,
      'timed out after 5 s',
      'timed_out' as const,
    );
    const [delivery] = await webhooksFor(process, 1);
    expect(bodyOf(delivery!)).toMatchObject({
      type: 'run.timed_out',
      execution: { execution_id: executionId, status: 'failed', error_message: 'timed out after 5 s' },
    });
  });

  it('never keeps a run from closing: when queuing fails, the row still closes and the error is logged', async () => {
    const process = await processWith({ notify: [webhook(['failed'])] }, BREAKING_KEY);
    await sql(db.orm, 'ALTER TABLE automated_process_notifications RENAME TO automated_process_notifications_away');
    let closed: ClosedRun;
    try {
      closed = await run(process);
    } finally {
      await sql(db.orm, 'ALTER TABLE automated_process_notifications_away RENAME TO automated_process_notifications');
    }
    expect(closed.status).toBe('failed');
    expect(await outbox(process)).toEqual([]);
  });
});

describe('delivery latency', () => {
  it('is measured from each failed run closing its row to its webhook arriving, over 10 failures', async () => {
    const process = await processWith({ notify: [webhook(['failed'])] });
    for (let i = 0; i < 10; i++) {
      await setConfig(process, BREAKING_KEY);
      const failed = await run(process);
      const received = await webhooksFor(process, i + 1);
      latencies.push(received[i]!.receivedAt - failed.completedAtMs);
      await setConfig(process, {});
      await run(process); // a success between, so each failure starts a streak and alerts
    }
    expect(latencies.length).toBeGreaterThanOrEqual(10);
  });
});

describe('Slack notifications', () => {
  it('post an incoming-webhook message with the process, the outcome, the error and the links', async () => {
    const slack = await startWebhookReceiver('/services/T0000/B0000/slack-url-is-the-secret');
    try {
      const process = await processWith(
        { notify: [{ on: ['failed'], slack: { webhook_url: slack.url } }] },
        BREAKING_KEY,
      );
      const failed = await run(process);
      const [message] = await eventually(async () => (slack.received.length > 0 ? slack.received : undefined));
      const { text } = JSON.parse(message!.rawBody) as { text: string };
      expect(text.split('\n')[0]).toBe(`*${process.name}: run failed*`);
      expect(text).toContain('Error: rescheduleRemainingTasks: process_config.not_a_setting is not a known key');
      expect(text).toContain(`<http://localhost:3000/executions/${failed.executionId}|Execution>`);
      expect(text).toMatch(
        /<http:\/\/localhost:8233\/namespaces\/default\/workflows\/test-notify-[^|]+\|Temporal Web UI>/,
      );
      const [row] = await eventually(async () => {
        const rows = await outbox(process);
        return rows[0]?.delivered ? rows : undefined;
      });
      expect(row).toMatchObject({ channel_kind: 'slack', channel_label: 'slack', last_status: 200 });
      expect(JSON.stringify(row)).not.toContain('slack-url-is-the-secret');
    } finally {
      await slack.close();
    }
  });
});

describe('GET /processes/:name/notifications', () => {
  let app: App;
  beforeAll(async () => {
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: temporal.taskQueue, API_TOKEN: TEST_TOKEN }, PROCESS_REGISTRY);
    app = await buildApp(
      { orm: db.orm, client: temporal.client, config, registry: PROCESS_REGISTRY },
      { logger: false },
    );
    await app.ready();
  });
  afterAll(() => app.close());

  const get = (url: string) => app.inject({ method: 'GET', url, headers: AUTH });

  it('lists the deliveries newest first with their channel (no secret), attempts and answers, paginated', async () => {
    const process = await processWith(
      { notify: [webhook(['failed', 'recovered']), { on: ['failed'], email: { to: ['ops@example.com'] } }] },
      BREAKING_KEY,
    );
    const failed = await run(process);
    await setConfig(process, {});
    const recovered = await run(process);
    await eventually(async () => ((await outbox(process)).every((r) => r.delivered) ? true : undefined));

    const res = await get(`/processes/${process.name}/notifications`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(SECRET);
    const { items, next_cursor } = res.json() as { items: Record<string, unknown>[]; next_cursor: string | null };
    expect(next_cursor).toBeNull();
    expect(items.map((i) => [i.event, (i.channel as { kind: string }).kind, i.execution_id])).toEqual([
      ['recovered', 'webhook', recovered.executionId],
      expect.arrayContaining(['failed', failed.executionId]),
      expect.arrayContaining(['failed', failed.executionId]),
    ]);
    expect(items[0]).toEqual({
      delivery_id: expect.any(String),
      event: 'recovered',
      channel: { kind: 'webhook', label: receiver.url },
      execution_id: recovered.executionId,
      attempts: 1,
      last_status: 200,
      last_error: null,
      created_at: expect.stringMatching(/Z$/),
      delivered_at: expect.stringMatching(/Z$/),
      given_up_at: null,
    });

    const first = await get(`/processes/${process.name}/notifications?limit=2`);
    const page = first.json() as { items: { delivery_id: string }[]; next_cursor: string };
    expect(page.items).toHaveLength(2);
    const rest = await get(`/processes/${process.name}/notifications?limit=2&cursor=${page.next_cursor}`);
    expect(rest.json()).toMatchObject({ next_cursor: null });
    const all = [...page.items, ...(rest.json() as { items: { delivery_id: string }[] }).items];
    expect(all.map((i) => i.delivery_id)).toEqual(items.map((i) => i.delivery_id));
  });

  it('answers 404 for an unknown process and 400 naming the field for a bad cursor or limit', async () => {
    expect((await get('/processes/no_such_process/notifications')).statusCode).toBe(404);
    const badCursor = await get('/processes/reschedule_remaining_tasks/notifications?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json()).toMatchObject({ field: 'querystring.cursor' });
    const badLimit = await get('/processes/reschedule_remaining_tasks/notifications?limit=0');
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json()).toMatchObject({ field: 'querystring.limit' });
  });
});

describe('the unusual alert', () => {
  it('fires when a run moves more tasks than unusual.max_moved', async () => {
    const process = await processWith({ notify: [webhook(['unusual'])], unusual: { max_moved: 1 } });
    for (let i = 0; i < 2; i++) await insertTask(db.orm, { userId: process.userId, due: '2020-01-01T05:00:00Z' });
    const moved = await run(process);
    expect(moved.status).toBe('completed');
    const [delivery] = await webhooksFor(process, 1);
    expect(bodyOf(delivery!)).toMatchObject({
      type: 'run.unusual',
      execution: { execution_id: moved.executionId, result: { tasks_rescheduled: 2 } },
      unusual: { moved: 2, max_moved: 1 },
    });
    // One moved task is within the bound.
    await insertTask(db.orm, { userId: process.userId, due: '2020-01-01T05:00:00Z' });
    await run(process);
    expect((await outbox(process)).map((r) => r.event)).toEqual(['unusual']);
  });

  it('fires when a run moves none while the median of its last 14 completed runs is above zero', async () => {
    const process = await processWith({ notify: [webhook(['unusual'])] });
    const earlier = (moved: number, ago: string) =>
      sql(
        db.orm,
        `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, completed_at, result)
         VALUES (gen_random_uuid(), ?, 'completed', now() - ?::interval, now() - ?::interval, ?::jsonb)`,
        [process.processId, ago, ago, JSON.stringify({ success: true, tasks_rescheduled: moved })],
      );
    // Median of 0, 3, 4 is 3 (and an older run with 0 beyond the last 14 would not count).
    await earlier(0, '3 days');
    await earlier(3, '2 days');
    await earlier(4, '1 day');
    const none = await run(process);
    const [delivery] = await webhooksFor(process, 1);
    expect(bodyOf(delivery!)).toMatchObject({
      type: 'run.unusual',
      execution: { execution_id: none.executionId, result: { tasks_rescheduled: 0 } },
      unusual: { moved: 0, max_moved: null, median_moved: 3 },
    });

    // Where the runs usually move nothing, moving nothing is usual.
    const quiet = await processWith({ notify: [webhook(['unusual'])] });
    await run(quiet);
    await run(quiet);
    expect(await outbox(quiet)).toEqual([]);
  });
});

describe('skipped and missed scheduled times', () => {
  const zone = 'Europe/Berlin';

  function activitiesAt(nowIso: string) {
    return createExecutionActivities({
      orm: db.orm,
      temporal: temporal.client,
      batchSize: 10,
      now: () => Date.parse(nowIso),
      notifications: testNotificationSettings(temporal),
    });
  }

  async function scheduledProcess(): Promise<TestProcess> {
    const process = await processWith({ notify: [webhook(['skipped', 'missed'])] });
    await sql(db.orm, 'UPDATE automated_processes SET schedule_config = ?::jsonb WHERE process_id = ?', [
      JSON.stringify({ hour: 7, minute: 30, timezone: zone }),
      process.processId,
    ]);
    return process;
  }

  it('sends run.skipped once per scheduled time Temporal skipped', async () => {
    const process = await scheduledProcess();
    // The run for 2026-03-27 07:30 went on past the next two times.
    const activities = activitiesAt('2026-03-29T07:00:00Z');
    const input = {
      processName: process.name,
      logicalTime: '2026-03-27T06:30:00.000Z',
      executionId: randomUUID(),
      workflowId: `test-${randomUUID()}`,
    };
    const env = new MockActivityEnvironment();
    await env.run(activities.accountSkippedTimes, input);
    await env.run(activities.accountSkippedTimes, input); // a retry records nothing new
    const received = await webhooksFor(process, 2);
    const byTime = (r: ReceivedRequest) => bodyOf(r).nominal?.time ?? '';
    received.sort((a, b) => byTime(a).localeCompare(byTime(b))); // two deliveries: either may come first
    expect(received.map((r) => bodyOf(r))).toEqual([
      expect.objectContaining({
        type: 'run.skipped',
        nominal: expect.objectContaining({ time: '2026-03-28T06:30:00.000Z', local_date: '2026-03-28' }),
      }),
      expect.objectContaining({
        type: 'run.skipped',
        nominal: expect.objectContaining({ time: '2026-03-29T05:30:00.000Z', local_date: '2026-03-29' }),
      }),
    ]);
    expect(
      received.every((r) => verifyBehflowSignature(r.rawBody, r.headers['behflow-signature'] as string, SECRET)),
    ).toBe(true);
    expect((await outbox(process)).map((r) => r.event)).toEqual(['skipped', 'skipped']);
  });

  it('sends run.missed when a scheduled time could not run before its day ended', async () => {
    const process = await scheduledProcess();
    // Started at 06:00 on the 28th for the 27th's 07:30: that day is over and the 28th's time has not come.
    const activities = activitiesAt('2026-03-28T05:00:00Z');
    const outcome: BeginScheduledOutcome = await new MockActivityEnvironment().run(activities.beginScheduledRun, {
      executionId: randomUUID(),
      processName: process.name,
      trigger: 'schedule' as const,
      logicalTime: '2026-03-27T06:30:00.000Z',
      workflowId: `test-${randomUUID()}`,
      workflowRunId: randomUUID(),
    });
    expect(outcome.kind).toBe('missed');
    const [delivery] = await webhooksFor(process, 1);
    expect(bodyOf(delivery!)).toMatchObject({
      type: 'run.missed',
      execution: null,
      nominal: { time: '2026-03-27T06:30:00.000Z', local_date: '2026-03-27', reason: expect.any(String) },
    });
  });
});

describe('email notifications', () => {
  it('are sent over SMTP to the recipients, naming the process, the error and the delivery', async () => {
    const process = await processWith(
      { notify: [{ on: ['failed'], email: { to: ['ops@example.com'] } }] },
      BREAKING_KEY,
    );
    const failed = await run(process);
    const mail = await eventually(async () => mails.find((m) => m.raw.includes(process.name)));
    const [row] = await eventually(async () => {
      const rows = await outbox(process);
      return rows[0]?.delivered ? rows : undefined;
    });
    expect(mail.to).toEqual(['ops@example.com']);
    expect(mail.raw).toMatch(new RegExp(`Subject: \\[Behflow\\] ${process.name}: run failed`));
    expect(mail.raw).toContain('not_a_setting');
    expect(mail.raw).toContain(`http://localhost:3000/executions/${failed.executionId}`);
    expect(mail.raw).toContain(`Delivery ${row!.delivery_id}`);
    expect(row).toMatchObject({
      channel_kind: 'email',
      channel_label: 'ops@example.com',
      attempts: 1,
      last_status: 250,
    });
  });

  it("fail visibly without SMTP_URL, and the worker's pass starts a delivery nobody started", async () => {
    const process = await processWith({ notify: [{ on: ['failed'], email: { to: ['ops@example.com'] } }] });
    // A run closed by activities with no Temporal client: its notification is queued, and nothing starts it.
    const executionId = randomUUID();
    await sql(
      db.orm,
      `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, trigger)
       VALUES (?, ?, 'running', now(), 'manual')`,
      [executionId, process.processId],
    );
    await new MockActivityEnvironment().run(
      createExecutionActivities({ orm: db.orm, batchSize: 10 }).failExecution,
      executionId,
      'the database went away',
      'failed' as const,
    );
    const [queued] = await outbox(process);
    expect(queued).toMatchObject({ event: 'failed', attempts: 0, delivered: false });

    const withoutSmtp = createNotificationActivities({
      orm: db.orm,
      batchSize: 10,
      notifications: testNotificationSettings(temporal, { smtpUrl: undefined }),
    });
    await expect(
      new MockActivityEnvironment().run(withoutSmtp.deliverNotification, queued!.delivery_id),
    ).rejects.toThrow('SMTP_URL is not set');
    expect((await outbox(process))[0]).toMatchObject({
      attempts: 1,
      last_error: 'SMTP_URL is not set: the worker cannot send email',
      delivered: false,
    });

    // Too young for the pass (30 s); then, as if older, started and delivered by the worker (with SMTP).
    const sweep = (olderThanSeconds?: number) =>
      startPendingDeliveries(
        { orm: db.orm, client: temporal.client },
        temporal.taskQueue,
        silentLogger,
        olderThanSeconds,
      );
    expect(await sweep()).not.toContain(queued!.delivery_id);
    expect(await sweep(0)).toContain(queued!.delivery_id);
    const [delivered] = await eventually(async () => {
      const rows = await outbox(process);
      return rows[0]?.delivered ? rows : undefined;
    });
    expect(delivered).toMatchObject({ attempts: 2, last_status: 250, last_error: null });
    expect(mails.filter((m) => m.raw.includes(process.name))).toHaveLength(1);
  });
});

describe("with the run's policy", () => {
  it('a run past run_seconds sends run.timed_out; its automatic rerun completes and sends run.recovered', async () => {
    const process = await processWith({
      timeouts: { run_seconds: 5, activity_seconds: 5, heartbeat_seconds: 1 },
      rerun_failed: { max_runs: 1, delay_minutes: 0 },
      notify: [webhook(['failed', 'timed_out', 'recovered'])],
    });
    await insertTask(db.orm, { userId: process.userId, due: '2025-12-01T05:00:00Z' });
    // Another connection holds the tasks table, so the work waits past the run's bound.
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
    const executionId = randomUUID();
    const handle = await temporal.client.workflow.start('rescheduleRemainingTasks', {
      taskQueue: temporal.taskQueue,
      workflowId: `test-notify-${executionId}`,
      args: [{ processName: process.name, trigger: 'manual', executionId }],
    });
    try {
      const [timedOut] = await webhooksFor(process, 1);
      expect(bodyOf(timedOut!)).toMatchObject({
        type: 'run.timed_out',
        execution: { execution_id: executionId, status: 'failed', error_message: 'timed out after 5 s' },
      });
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }
    await handle.result();
    const [, recovered] = await webhooksFor(process, 2);
    expect(bodyOf(recovered!)).toMatchObject({
      type: 'run.recovered',
      execution: { status: 'completed', trigger: 'rerun', rerun_of: executionId },
    });
    expect((await outbox(process)).map((r) => r.event)).toEqual(['timed_out', 'recovered']);
  });
});
