/**
 * The execution page in a real browser (Debian's Chromium via playwright-core): a run triggered from
 * the console's confirmation form and held open, watched until it completes without a reload (the
 * page's script polls its live fragment), its timeline and batches, the tasks it moved (old and new due dates, Gregorian and Jalali) paged both
 * ways, a failed run's escaped error and rerun link, 404 and 400 pages, axe-core, screenshots.
 */
import type { AddressInfo } from 'node:net';
import { Context } from '@temporalio/activity';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createRescheduleActivities } from '../../activities/reschedule-remaining-tasks';
import type { RunContext } from '../../activities/run-types';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { silentLogger } from '../../platform/logger';
import { reconcileSchedules } from '../../temporal/reconcile';
import { sql } from '../helpers/database';
import { insertTask, insertTaskSeries } from '../helpers/fixtures';
import { eventually, startWorker, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, TEST_TOKEN, type TestApi } from '../api/helpers';
import { axeViolations, launchChromium, screenshot, serious, type AxeViolation } from './browser';

const RESCHEDULE = 'reschedule_remaining_tasks';
/** 25 from a series and one with Behflow's Jalali date: two pages of 20, six batches of 5. */
const OVERDUE_TASKS = 26;
const BATCH_SIZE = 5;

let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let worker: RunningWorker;
let releaseRun!: () => void;
let runHeld!: Promise<void>;
let failedId: string;
const axeReport: Record<string, AxeViolation[]> = {};

beforeAll(async () => {
  [api, browser] = await Promise.all([buildTestApi(), launchChromium()]);
  await reconcileSchedules({
    orm: api.db.orm,
    client: api.temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: api.temporal.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
  await insertTaskSeries(api.db.orm, {
    from: 'generate_series(1, 25) i',
    due: "now() - interval '3 days' + i * interval '1 minute'",
  });
  await insertTask(api.db.orm, {
    name: 'with a Jalali date',
    due: '2026-11-20T05:30:00Z',
    dueJalali: '1405-08-29T09:00:00',
  });
  // A failed run with markup in its error, and a rerun of it.
  const [failed] = await sql<{ failedId: string }>(
    api.db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, trigger, logical_time, started_at, completed_at, error_message)
     SELECT gen_random_uuid(), process_id, 'failed', 'schedule', timestamptz '2026-11-30 23:30:00Z',
            timestamptz '2026-11-30 23:30:07Z', timestamptz '2026-11-30 23:30:09Z', '<img src=x> went <b>wrong</b>'
       FROM automated_processes WHERE name = ?
     RETURNING execution_id AS "failedId"`,
    [RESCHEDULE],
  );
  failedId = failed!.failedId;

  // The real activity in small batches, held until the test has the page open.
  const real = createRescheduleActivities({ orm: api.db.orm, batchSize: BATCH_SIZE });
  let started!: () => void;
  runHeld = new Promise<void>((resolve) => (started = resolve));
  const released = new Promise<void>((resolve) => (releaseRun = resolve));
  worker = await startWorker(
    api.temporal,
    api.db.orm,
    {
      rescheduleRemainingTasks: async (run: RunContext) => {
        // What the real activity's first heartbeat says, so the page has progress to show meanwhile.
        Context.current().heartbeat({ tasksFound: OVERDUE_TASKS, tasksRescheduled: 0, batches: 0 });
        started();
        await released;
        return real.rescheduleRemainingTasks(run);
      },
    },
    BATCH_SIZE,
  );

  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(`${base}/ui/sign-in`);
  await page.getByLabel('API token').fill(TEST_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/ui`);
});

afterAll(async () => {
  console.log(`axe-core violations by page: ${JSON.stringify(axeReport)}`);
  releaseRun?.();
  await browser?.close();
  await worker?.stop();
  await api?.close();
});

async function checkAccessibility(name: string): Promise<void> {
  const violations = await axeViolations(page);
  axeReport[name] = violations;
  expect(serious(violations)).toEqual([]);
}

const statusText = () => page.locator('#execution-status').textContent();
const taskRows = () => page.locator('#tasks tbody tr');

let executionId: string;

test('triggered from the console, the running execution is shown live and becomes completed without a reload', async () => {
  // The operator's way in: the process page's Trigger link, its confirmation, then the execution's page.
  await page.goto(`${base}/ui/processes/${RESCHEDULE}`);
  await page.getByRole('link', { name: 'Trigger a run…' }).click();
  await page.getByRole('button', { name: 'Start the run now' }).click();
  await page.waitForURL(/\/ui\/executions\/[0-9a-f-]{36}$/);
  executionId = new URL(page.url()).pathname.split('/').pop()!;
  const row = await api.app.inject({ method: 'GET', url: `/executions/${executionId}`, headers: AUTH });
  expect(row.json()).toMatchObject({ process_name: RESCHEDULE, trigger: 'manual' });
  await runHeld;

  await page.reload();
  // A marker that a reload or navigation would wipe out.
  await page.evaluate('window.__samePage = true');
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  await expect(statusText()).resolves.toBe('running');
  await expect(page.locator('#live-status').getAttribute('aria-live')).resolves.toBe('polite');
  await expect(page.locator('#live').getAttribute('data-closed')).resolves.toBe('false');
  // The heartbeat's progress (from Temporal, not the database) arrives by the page's polling.
  await page.locator('#tasks-moved', { hasText: `0 of ${OVERDUE_TASKS} found` }).waitFor({ timeout: 15_000 });
  await expect(page.locator('#live-status').textContent()).resolves.toMatch(
    new RegExp(`Last heartbeat: 0 batches, 0 of\\s+${OVERDUE_TASKS} tasks`),
  );
  await expect(page.locator('.timeline').textContent()).resolves.toContain('Not closed yet');
  await checkAccessibility('execution-running');
  await screenshot(page, 'execution-running');

  releaseRun();
  // Polled from the test's side: the page's CSP (rightly) forbids evaluating a string predicate in it.
  await page.locator('#execution-status', { hasText: /^completed$/ }).waitFor({ timeout: 30_000 });
  await expect(page.evaluate('window.__samePage === true')).resolves.toBe(true);
  expect(navigations).toBe(0);
  await expect(page.locator('#tasks-moved').textContent()).resolves.toBe(String(OVERDUE_TASKS));
  await expect(page.locator('#live').getAttribute('data-closed')).resolves.toBe('true');

  // The closed state: batches of at most five from the audit, the close, the readable result.
  const timeline = await page.locator('.timeline li').allTextContents();
  const batches = timeline.filter((item) => /Batch \d+:/.test(item));
  expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(OVERDUE_TASKS / BATCH_SIZE));
  const moved = batches.map((b) => Number(/Batch \d+: (\d+) tasks?/.exec(b)?.[1]));
  expect(moved.every((n) => n >= 1 && n <= BATCH_SIZE)).toBe(true);
  expect(moved.reduce((a, b) => a + b, 0)).toBe(OVERDUE_TASKS);
  expect(timeline.join('\n')).toMatch(/Closed:\s+completed/);
  expect(timeline.join('\n')).toMatch(/Started\s+\((on time|[\d.]+ (ms|s|min) (late|early))\)/);
  await expect(page.locator('#result dd[data-key="tasks_rescheduled"]').textContent()).resolves.toBe(
    String(OVERDUE_TASKS),
  );
  await expect(page.locator('#result dd[data-key="success"]').textContent()).resolves.toBe('yes');

  // Once closed, the script refreshed the tasks table from the page: the first 20, in moving order.
  await eventually(async () => ((await taskRows().count()) === 20 ? true : undefined), 10_000);
  await expect(page.locator('#tasks').textContent()).resolves.not.toContain('still moving');
});

test('its tasks show old and new due dates in Gregorian and Jalali, paged forward and back', async () => {
  await page.goto(`${base}/ui/executions/${executionId}`);
  // Closed: the page loads no script.
  await expect(page.locator('script').count()).resolves.toBe(0);
  const view = (
    await api.app.inject({ method: 'GET', url: `/executions/${executionId}/tasks?limit=100`, headers: AUTH })
  ).json();
  expect(view.items).toHaveLength(OVERDUE_TASKS);

  const first = await taskRows().allTextContents();
  expect(first).toHaveLength(20);
  expect(first[0]).toContain(view.items[0].task_id);
  const firstRow = taskRows().first();
  // Gregorian in the process zone (Tehran), UTC on hover; Jalali as Behflow stores it.
  const newDue = firstRow.locator('td[data-label="New due (Gregorian)"] time');
  await expect(newDue.getAttribute('datetime')).resolves.toBe(view.items[0].new_due_gregorian);
  await expect(newDue.getAttribute('title')).resolves.toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  await expect(firstRow.locator('td[data-label="New due (Jalali)"]').textContent()).resolves.toBe(
    view.items[0].new_due_jalali.replace('T', ' '),
  );
  await expect(firstRow.locator('td[data-label="Old due (Jalali)"]').textContent()).resolves.toMatch(
    /^14\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/,
  );
  await expect(page.getByRole('link', { name: /Previous tasks/ }).count()).resolves.toBe(0);

  await page.getByRole('link', { name: /Next tasks/ }).click();
  await page.waitForURL(/\?after=/);
  const second = await taskRows().allTextContents();
  expect(second).toHaveLength(OVERDUE_TASKS - 20);
  expect(second.map((row) => row.match(/[0-9a-f-]{36}/)?.[0])).toEqual(
    view.items.slice(20).map((m: { task_id: string }) => m.task_id),
  );
  // The task that had Behflow's Jalali date keeps it as the old one.
  const jalaliTask = view.items.find((m: { old_due_jalali: string | null }) => m.old_due_jalali !== null);
  expect(jalaliTask.old_due_jalali).toBe('1405-08-29T09:00:00');
  await expect(page.locator('#tasks').textContent()).resolves.toContain('1405-08-29 09:00:00');
  await expect(page.getByRole('link', { name: /Next tasks/ }).count()).resolves.toBe(0);

  await page.getByRole('link', { name: /Previous tasks/ }).click();
  await page.waitForURL(/\?before=/);
  await expect(taskRows().allTextContents()).resolves.toEqual(first);
  await expect(page.getByRole('link', { name: /Previous tasks/ }).count()).resolves.toBe(0);
  await expect(page.getByRole('link', { name: /Next tasks/ }).count()).resolves.toBe(1);

  await page.goto(`${base}/ui/executions/${executionId}`);
  await checkAccessibility('execution');
  await screenshot(page, 'execution');
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  await checkAccessibility('execution-phone');
  await screenshot(page, 'execution-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('the page links to the Temporal Web UI, the JSON and the process', async () => {
  await page.goto(`${base}/ui/executions/${executionId}`);
  const view = (await api.app.inject({ method: 'GET', url: `/executions/${executionId}`, headers: AUTH })).json();
  await expect(page.getByRole('link', { name: 'In the Temporal Web UI' }).getAttribute('href')).resolves.toBe(
    view.web_ui_url,
  );
  await expect(page.getByRole('link', { name: RESCHEDULE }).getAttribute('href')).resolves.toBe(
    `/ui/processes/${RESCHEDULE}`,
  );
  await expect(page.locator('#trigger').textContent()).resolves.toBe('manual');
  await expect(page.getByRole('link', { name: /Rerun/ }).count()).resolves.toBe(0);
  const json = await page.request.get(`${base}/ui/executions/${executionId}/json`);
  expect(json.status()).toBe(200);
  expect(await json.json()).toEqual(view);
});

test("a failed run's error is shown as text, never markup, with a link to rerun it", async () => {
  await page.goto(`${base}/ui/executions/${failedId}`);
  await expect(statusText()).resolves.toBe('failed');
  await expect(page.locator('#error-message').textContent()).resolves.toBe('<img src=x> went <b>wrong</b>');
  await expect(page.locator('main img, main b').count()).resolves.toBe(0);
  await expect(page.getByRole('link', { name: /Rerun this execution/ }).getAttribute('href')).resolves.toBe(
    `/ui/executions/${failedId}/rerun`,
  );
  // Seven seconds after its nominal time (03:00 Tehran).
  await expect(page.locator('#lateness').textContent()).resolves.toBe('(7.0 s late)');
  await expect(page.locator('.timeline').textContent()).resolves.toMatch(/2026-12-01 03:00\s+Nominal time/);
  await checkAccessibility('execution-failed');
});

test('an unknown execution is a 404 page, a malformed id or cursor a 400 page', async () => {
  const missing = await page.goto(`${base}/ui/executions/00000000-0000-4000-8000-000000000000`);
  expect(missing!.status()).toBe(404);
  await expect(page.locator('main').textContent()).resolves.toContain('does not exist');
  const live = await page.request.get(`${base}/ui/executions/00000000-0000-4000-8000-000000000000/live`);
  expect(live.status()).toBe(404);

  const malformed = await page.goto(`${base}/ui/executions/not-a-uuid`);
  expect(malformed!.status()).toBe(400);
  const cursor = await page.goto(`${base}/ui/executions/${executionId}?after=forged`);
  expect(cursor!.status()).toBe(400);
  await expect(page.locator('main').textContent()).resolves.toContain('querystring.after');
});

test('without a session the page and its live fragment redirect to the sign-in form', async () => {
  const anonymous = await browser.newContext();
  try {
    const res = await anonymous.request.get(`${base}/ui/executions/${executionId}/live`, { maxRedirects: 0 });
    expect(res.status()).toBe(303);
    expect(res.headers().location).toBe('/ui/sign-in');
    expect(res.headers()['x-execution-closed']).toBeUndefined();
  } finally {
    await anonymous.close();
  }
});
