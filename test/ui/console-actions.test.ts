/**
 * The console's actions in a real browser (Debian's Chromium, driven by playwright-core): trigger a
 * run after its confirmation page (and be refused while it runs), rerun a failed run, edit a schedule
 * through its preview (checked against Temporal's own next runs after saving, in zones with and
 * without DST), bad values and forms without their CSRF token refused with nothing changed, and the
 * dry run's count of overdue tasks; axe-core on each page.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { silentLogger } from '../../platform/logger';
import { reconcileSchedules } from '../../temporal/reconcile';
import { sql } from '../helpers/database';
import { insertProcess, insertTask } from '../helpers/fixtures';
import { holdingActivity } from '../helpers/holding-activity';
import { eventually, startWorker, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, TEST_TOKEN, type TestApi } from '../api/helpers';
import { axeViolations, launchChromium, screenshot, serious, type AxeViolation } from './browser';

const RESCHEDULE = 'reschedule_remaining_tasks';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DAY = 86_400_000;

let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let worker: RunningWorker;
const hold = holdingActivity();
const axeReport: Record<string, AxeViolation[]> = {};

beforeAll(async () => {
  [api, browser] = await Promise.all([buildTestApi(), launchChromium()]);
  await reconcileSchedules({
    orm: api.db.orm,
    client: api.temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: api.config.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
  // A run of reschedule_remaining_tasks holds until hold.release(), then every later one ends at once.
  worker = await startWorker(api.temporal, api.db.orm, { rescheduleRemainingTasks: hold.activity });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(`${base}/ui/sign-in`);
  await page.getByLabel('API token').fill(TEST_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/ui`);
  // The API, Chromium, the schedules and a worker's workflow bundle: slow on a busy machine.
}, 180_000);

afterAll(async () => {
  console.log(`axe-core violations by page: ${JSON.stringify(axeReport)}`);
  hold.release();
  if (api) await eventually(noRunOpen).catch(() => undefined);
  await worker?.stop();
  await browser?.close();
  await api?.close();
});

async function noRunOpen(): Promise<true | undefined> {
  const [row] = await sql<{ n: string }>(
    api.db.orm,
    `SELECT count(*) AS n FROM automated_process_executions WHERE status IN ('running', 'pending')`,
  );
  return Number(row?.n) === 0 ? true : undefined;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await api.app.inject({ method: 'GET', url, headers: AUTH });
  expect([url, res.statusCode]).toEqual([url, 200]);
  return res.json<T>();
}

interface Execution {
  execution_id: string;
  process_name: string;
  status: string;
  trigger: string | null;
  rerun_of: string | null;
  logical_time: string | null;
}

interface ProcessJson {
  schedule: { hour: number; minute: number; timezone: string };
  next_runs: string[];
}

async function executionCount(): Promise<number> {
  const [row] = await sql<{ n: string }>(api.db.orm, 'SELECT count(*) AS n FROM automated_process_executions');
  return Number(row?.n);
}

async function checkAccessibility(name: string): Promise<void> {
  const violations = await axeViolations(page);
  axeReport[name] = violations;
  expect(serious(violations)).toEqual([]);
}

/** Submits a form by its button and answers the POST's response (the 303 itself, not where it leads). */
async function submit(button: string): Promise<{ status: number; location: string | undefined }> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: button }).click(),
  ]);
  await page.waitForLoadState();
  return { status: response.status(), location: response.headers()['location'] };
}

async function processId(name: string): Promise<string> {
  const [row] = await sql<{ process_id: string }>(
    api.db.orm,
    'SELECT process_id FROM automated_processes WHERE name = ?',
    [name],
  );
  return row!.process_id;
}

async function insertExecution(name: string, status: string, logicalTime: string, error: string | null) {
  const executionId = randomUUID();
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, completed_at, trigger, logical_time, error_message)
     VALUES (?, ?, ?, ?::timestamptz, ?::timestamptz + interval '1 second', 'schedule', ?, ?)`,
    [executionId, await processId(name), status, logicalTime, logicalTime, logicalTime, error],
  );
  return executionId;
}

describe('trigger', () => {
  it('asks first, starts the run on confirmation and goes to its execution; a second one is refused while it runs', async () => {
    await page.goto(`${base}/ui/processes/${RESCHEDULE}`);
    await page.getByRole('link', { name: 'Trigger a run…' }).click();
    await page.waitForURL(`${base}/ui/processes/${RESCHEDULE}/trigger`);
    const what = await page.locator('#what-happens').textContent();
    expect(what).toMatch(/starts now, trigger\s+manual/);
    expect(what).toContain('(Asia/Tehran)');
    expect(what).toContain('nothing starts');
    // Looking changes nothing.
    expect(await executionCount()).toBe(0);
    await checkAccessibility('trigger');
    await screenshot(page, 'trigger');

    const form = {
      _csrf: (await page.locator('form[action$="/trigger"] input[name="_csrf"]').getAttribute('value'))!,
      request_id: (await page.locator('input[name="request_id"]').getAttribute('value'))!,
    };
    const sent = await submit('Start the run now');
    expect(sent.status).toBe(303);
    const match = new RegExp(`^/ui/executions/(${UUID})$`).exec(sent.location ?? '');
    expect(match).not.toBeNull();
    const executionId = match![1]!;
    expect(new URL(page.url()).pathname).toBe(sent.location);
    await hold.running;
    // The same page submitted again (a double click, a resend): the same run, nothing more started.
    const again = await page.request.post(`${base}/ui/processes/${RESCHEDULE}/trigger`, { form, maxRedirects: 0 });
    expect([again.status(), again.headers()['location']]).toEqual([303, sent.location]);
    await expect(getJson<Execution>(`/executions/${executionId}`)).resolves.toMatchObject({
      process_name: RESCHEDULE,
      trigger: 'manual',
      status: 'running',
    });

    // The same process again while that run holds: the service's 409, on a page naming the run in progress.
    await page.goto(`${base}/ui/processes/${RESCHEDULE}/trigger`);
    const refused = await submit('Start the run now');
    expect(refused.status).toBe(409);
    await expect(page.locator('#reason').textContent()).resolves.toContain(
      `execution ${executionId} of this process is in progress`,
    );
    await expect(page.getByRole('link', { name: 'The run in progress' }).getAttribute('href')).resolves.toBe(
      `/ui/executions/${executionId}`,
    );
    await checkAccessibility('trigger-refused');
    expect(await executionCount()).toBe(1);

    hold.release();
    await eventually(async () => {
      const view = await getJson<Execution>(`/executions/${executionId}`);
      return view.status === 'completed' ? view : undefined;
    });
  });

  it('a trigger form without its CSRF token is refused (403) and starts nothing', async () => {
    const before = await executionCount();
    await page.goto(`${base}/ui/processes/${RESCHEDULE}/trigger`);
    await page.evaluate(`document.querySelector('form[action$="/trigger"] input[name="_csrf"]').remove()`);
    const sent = await submit('Start the run now');
    expect(sent.status).toBe(403);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('no valid CSRF token');
    expect(await executionCount()).toBe(before);
  });
});

describe('dry run', () => {
  it('shows the count and a sample of the overdue tasks a run now would move, as the JSON preview counts them', async () => {
    const now = Date.now();
    const overdue = [];
    for (const [days, status] of [
      [2, 'pending'],
      [3, 'in_progress'],
      [9, 'pending'],
    ] as const) {
      overdue.push(await insertTask(api.db.orm, { due: new Date(now - days * DAY).toISOString(), status }));
    }
    // Not moved: due later, and done.
    await insertTask(api.db.orm, { due: new Date(now + 2 * DAY).toISOString() });
    await insertTask(api.db.orm, {
      due: new Date(now - 2 * DAY).toISOString(),
      status: 'completed',
      completedAt: new Date(now - 2 * DAY).toISOString(),
    });
    const tasksBefore = await sql(api.db.orm, 'SELECT * FROM tasks ORDER BY task_id');

    await page.goto(`${base}/ui/processes/${RESCHEDULE}`);
    await page.getByRole('link', { name: /Dry run/ }).click();
    await page.waitForURL(`${base}/ui/processes/${RESCHEDULE}/dry-run`);
    await expect(page.locator('#would-change').textContent()).resolves.toBe(String(overdue.length));
    const rows = page.locator('#sample tbody tr');
    await expect(rows.count()).resolves.toBe(overdue.length);
    await expect(page.locator('#sample thead').textContent()).resolves.toContain('Due after the run');
    const json = await getJson<{ would_change: number }>(`/processes/${RESCHEDULE}/preview`);
    expect(json.would_change).toBe(overdue.length);
    await checkAccessibility('dry-run');
    await screenshot(page, 'dry-run');
    // Nothing changed to find out.
    await expect(sql(api.db.orm, 'SELECT * FROM tasks ORDER BY task_id')).resolves.toEqual(tasksBefore);
    await sql(api.db.orm, 'DELETE FROM tasks');
  });

  it('a process whose implementation has no preview here gets the 409 as a clear message', async () => {
    const { name } = await insertProcess(api.db.orm, { name: 'gone_implementation' });
    const response = await page.goto(`${base}/ui/processes/${name}/dry-run`);
    expect(response!.status()).toBe(409);
    await expect(page.locator('#reason').textContent()).resolves.toContain('is not registered in this deployment');
    await checkAccessibility('dry-run-refused');
  });
});

describe('rerun a failed run', () => {
  it('asks first, then reruns it for its logical time and goes to the new execution', async () => {
    const failed = await insertExecution(RESCHEDULE, 'failed', '2026-11-20T04:00:00.000Z', 'the database was away');
    await page.goto(`${base}/ui/executions/${failed}/rerun`);
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('the database was away');
    await checkAccessibility('rerun');
    await screenshot(page, 'rerun');
    const sent = await submit('Rerun it now');
    expect(sent.status).toBe(303);
    const match = new RegExp(`^/ui/executions/(${UUID})$`).exec(sent.location ?? '');
    expect(match).not.toBeNull();
    const rerun = await getJson<Execution>(`/executions/${match![1]!}`);
    expect(rerun).toMatchObject({
      process_name: RESCHEDULE,
      trigger: 'rerun',
      rerun_of: failed,
      logical_time: '2026-11-20T04:00:00.000Z',
    });
    await eventually(noRunOpen);
  });

  it("refuses a run that did not fail, with the service's message, and starts nothing", async () => {
    const completed = await insertExecution(RESCHEDULE, 'completed', '2026-11-21T04:00:00.000Z', null);
    const before = await executionCount();
    const response = await page.goto(`${base}/ui/executions/${completed}/rerun`);
    expect(response!.status()).toBe(409);
    const message = `execution ${completed} is completed, not failed`;
    await expect(page.locator('#reason').textContent()).resolves.toContain(message);
    // Posted anyway (a form kept from before): the service refuses it the same way.
    await page.goto(`${base}/ui/processes/${RESCHEDULE}/trigger`);
    const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const posted = await page.request.post(`${base}/ui/executions/${completed}/rerun`, {
      form: { _csrf: csrf! },
      maxRedirects: 0,
    });
    expect(posted.status()).toBe(409);
    expect(await posted.text()).toContain(message);
    expect(await executionCount()).toBe(before);
  });
});

/** The offset (e.g. "GMT+03:30") of a zone at an instant, by Intl alone. */
function offsetAt(zone: string, ms: number): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(ms);
  return parts.find((p) => p.type === 'timeZoneName')!.value;
}

function localDate(zone: string, ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, dateStyle: 'short' }).format(ms);
}

/** Whether the zone's offset changes during the local day of `ms`: sampled every 15 minutes around it. */
function clocksChangeOnDayOf(zone: string, ms: number): boolean {
  const day = localDate(zone, ms);
  const offsets = new Set<string>();
  for (let t = ms - 30 * 3600_000; t <= ms + 30 * 3600_000; t += 15 * 60_000) {
    if (localDate(zone, t) === day) offsets.add(offsetAt(zone, t));
  }
  return offsets.size > 1;
}

describe('edit the schedule', () => {
  const utcText = (iso: string) => new Date(iso).toISOString().slice(0, 16).replace('T', ' ');

  it.each([
    ['Europe/London', '7', '45'],
    ['America/New_York', '2', '30'],
    ['Asia/Tehran', '23', '59'],
  ])(
    'previews the next five runs in %s and UTC, which are Temporal’s next runs once saved',
    async (zone, hour, minute) => {
      await page.goto(`${base}/ui/processes/${RESCHEDULE}`);
      await page.getByRole('link', { name: 'Edit the schedule…' }).click();
      await page.waitForURL(`${base}/ui/processes/${RESCHEDULE}/schedule`);
      await page.getByLabel('Hour').fill(hour);
      await page.getByLabel('Minute').fill(minute);
      await page.getByLabel('Time zone').fill(zone);
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.waitForURL(/\/schedule\?/);
      const rows = page.locator('#preview tbody tr');
      await expect(rows.count()).resolves.toBe(5);
      const previewed = await page.evaluate<{ iso: string; local: string; utc: string; flagged: boolean }[]>(
        `Array.from(document.querySelectorAll('#preview tbody tr')).map((row) => ({
          iso: row.querySelector('time.local').getAttribute('datetime'),
          local: row.querySelector('time.local').textContent,
          utc: row.querySelector('time.utc').textContent,
          flagged: row.classList.contains('flagged'),
        }))`,
      );
      if (zone === 'Europe/London') {
        await checkAccessibility('schedule-edit');
        await screenshot(page, 'schedule-edit');
        // At phone width nothing scrolls sideways: the preview's rows become cards.
        await page.setViewportSize({ width: 390, height: 844 });
        await expect(
          page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
        ).resolves.toBeLessThanOrEqual(0);
        await checkAccessibility('schedule-edit-phone');
        await screenshot(page, 'schedule-edit-phone');
        await page.setViewportSize({ width: 1280, height: 900 });
      }

      const saved = await submit('Save this schedule');
      expect(saved).toEqual({ status: 303, location: `/ui/processes/${RESCHEDULE}` });
      const view = await getJson<ProcessJson>(`/processes/${RESCHEDULE}`);
      expect(view.schedule).toEqual({ hour: Number(hour), minute: Number(minute), timezone: zone });
      // Temporal's own next runs, in the process zone with its offset.
      expect(view.next_runs).toHaveLength(5);
      expect(previewed.map((p) => p.iso)).toEqual(view.next_runs.map((run) => new Date(run).toISOString()));
      expect(previewed.map((p) => p.local)).toEqual(view.next_runs.map((run) => run.slice(0, 16).replace('T', ' ')));
      expect(previewed.map((p) => p.utc)).toEqual(view.next_runs.map(utcText));
      expect(previewed.map((p) => p.flagged)).toEqual(
        view.next_runs.map((run) => clocksChangeOnDayOf(zone, Date.parse(run))),
      );
    },
  );

  it.each([
    ['hour', '24', 'Hour must be a whole number from 0 to 23'],
    ['minute', '60', 'Minute must be a whole number from 0 to 59'],
    ['timezone', 'Mars/Olympus_Mons', 'Time zone must be an IANA time zone'],
  ])(
    'a bad %s (%s) is refused at preview and at save with a 400 naming the field, and nothing changes',
    async (field, value, message) => {
      const before = await getJson<ProcessJson>(`/processes/${RESCHEDULE}`);
      const values: Record<string, string> = { hour: '8', minute: '15', timezone: 'Europe/London', [field]: value };
      const response = await page.goto(`${base}/ui/processes/${RESCHEDULE}/schedule?${new URLSearchParams(values)}`);
      expect(response!.status()).toBe(400);
      await expect(page.getByRole('alert').textContent()).resolves.toContain(message);
      await expect(page.locator(`#${field}`).getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(page.locator('#preview').count()).resolves.toBe(0);

      // A good preview, its saved value then altered in the page: the server checks it again.
      await page.goto(`${base}/ui/processes/${RESCHEDULE}/schedule?hour=8&minute=15&timezone=Europe%2FLondon`);
      await page.evaluate(
        `document.querySelector('form[method="post"][action$="/schedule"] input[name="${field}"]').value = ${JSON.stringify(value)}`,
      );
      const saved = await submit('Save this schedule');
      expect(saved.status).toBe(400);
      await expect(page.getByRole('alert').textContent()).resolves.toContain(message);
      await expect(getJson<ProcessJson>(`/processes/${RESCHEDULE}`)).resolves.toEqual(before);
    },
  );

  it('a save without its CSRF token is refused (403) and the schedule stays', async () => {
    const before = await getJson<ProcessJson>(`/processes/${RESCHEDULE}`);
    await page.goto(`${base}/ui/processes/${RESCHEDULE}/schedule?hour=9&minute=0&timezone=UTC`);
    await page.evaluate(
      `document.querySelector('form[method="post"][action$="/schedule"] input[name="_csrf"]').remove()`,
    );
    const saved = await submit('Save this schedule');
    expect(saved.status).toBe(403);
    await expect(getJson<ProcessJson>(`/processes/${RESCHEDULE}`)).resolves.toEqual(before);
  });
});
