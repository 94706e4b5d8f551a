/**
 * The process page's history in a real browser: executions seeded with SQL across statuses, triggers
 * and days; the GET filter form (status, trigger, dates in the process zone); newer and older links
 * that neither repeat nor skip a row; the daily chart (a bar per day with runs, a table alternative,
 * 30 or 90 days); the policy and channels without their secrets; bad filters as a 400 page; axe.
 */
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { silentLogger } from '../../platform/logger';
import { reconcileSchedules } from '../../temporal/reconcile';
import { sql } from '../helpers/database';
import { buildTestApi, TEST_TOKEN, WRITE, type TestApi } from '../api/helpers';
import { axeViolations, launchChromium, screenshot, serious, type AxeViolation } from './browser';

const NAME = 'reschedule_remaining_tasks';
const WEBHOOK_SECRET = 'whsec-DO-NOT-SHOW-0123456789';
const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/SLACKSECRETXYZ';
const HOOK_URL = 'https://hooks.example.com/behflow/in?token=QUERYSECRETXYZ';

let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let zone: string;
const axeReport: Record<string, AxeViolation[]> = {};

interface Seeded {
  execution_id: string;
  status: string;
  trigger: string | null;
  started_at: string | null;
}
/** Every seeded execution, in the page's order: newest first, rows without started_at last. */
let seeded: Seeded[];

function localDay(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );
}

function daysAgo(days: number): string {
  return localDay(new Date(Date.now() - days * 86_400_000).toISOString());
}

beforeAll(async () => {
  [api, browser] = await Promise.all([buildTestApi(), launchChromium()]);
  await reconcileSchedules({
    orm: api.db.orm,
    client: api.temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: api.config.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
  const patch = await api.app.inject({
    method: 'PATCH',
    url: `/processes/${NAME}`,
    headers: WRITE,
    payload: {
      policy: {
        retry: { max_attempts: 7 },
        rerun_failed: { max_runs: 2, delay_minutes: 15 },
        timeouts: { run_seconds: 900 },
        notify: [
          { on: ['failed', 'recovered'], webhook: { url: HOOK_URL, secret: WEBHOOK_SECRET } },
          { on: ['failed'], slack: { webhook_url: SLACK_URL } },
          { on: ['missed'], email: { to: ['ops@example.com'] } },
        ],
      },
    },
  });
  expect(patch.statusCode).toBe(200);
  zone = (patch.json() as { schedule: { timezone: string } }).schedule.timezone;

  // 45 runs 7 hours apart (about 13 days), statuses and triggers in turn, each moving i tasks in i
  // seconds; three older runs (40, 60 and 100 days back) and one Behflow-era row without a start.
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, trigger, logical_time, started_at, completed_at, result, error_message)
     SELECT gen_random_uuid(), p.process_id,
            (ARRAY['completed', 'failed', 'completed', 'running'])[1 + i % 4]::process_status_enum,
            (ARRAY['schedule', 'manual', 'backfill'])[1 + i % 3],
            s.at, s.at,
            CASE WHEN i % 4 = 3 THEN NULL ELSE s.at + make_interval(secs => i) END,
            CASE WHEN i % 4 IN (0, 2) THEN jsonb_build_object('success', true, 'tasks_rescheduled', i) END,
            CASE WHEN i % 4 = 1 THEN 'run ' || i || ' failed' END
       FROM automated_processes p,
            generate_series(0, 44) i,
            LATERAL (SELECT now() - interval '1 hour' - make_interval(hours => 7 * i) AS at) s
      WHERE p.name = ?`,
    [NAME],
  );
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions (execution_id, process_id, status, trigger, started_at, completed_at, result)
     SELECT gen_random_uuid(), p.process_id, 'completed', 'schedule', now() - make_interval(days => d),
            now() - make_interval(days => d) + interval '3 seconds', jsonb_build_object('tasks_rescheduled', d)
       FROM automated_processes p, unnest(ARRAY[40, 60, 100]) d
      WHERE p.name = ?`,
    [NAME],
  );
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions (execution_id, process_id, status)
     SELECT gen_random_uuid(), process_id, 'completed' FROM automated_processes WHERE name = ?`,
    [NAME],
  );
  seeded = await sql<Seeded>(
    api.db.orm,
    `SELECT e.execution_id, e.status::text AS status, e.trigger,
            to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at
       FROM automated_process_executions e JOIN automated_processes p USING (process_id)
      WHERE p.name = ?
      ORDER BY e.started_at DESC NULLS LAST, e.execution_id DESC`,
    [NAME],
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
  await browser?.close();
  await api?.close();
});

async function checkAccessibility(name: string): Promise<void> {
  const violations = await axeViolations(page);
  axeReport[name] = violations;
  expect(serious(violations)).toEqual([]);
}

const processUrl = (query = '') => `${base}/ui/processes/${NAME}${query}`;

/** The execution ids of the history table's rows, in page order. */
async function rowIds(): Promise<string[]> {
  return page
    .locator('#executions tbody tr[data-execution-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-execution-id') ?? ''));
}

/** Every page from the current one, following the link named `direction`. */
async function follow(direction: 'Older →' | '← Newer'): Promise<string[][]> {
  const pages = [await rowIds()];
  for (let i = 0; i < 20; i++) {
    const link = page.getByRole('link', { name: direction, exact: true });
    if ((await link.count()) === 0) break;
    await link.click();
    await page.waitForLoadState();
    pages.push(await rowIds());
  }
  return pages;
}

test('pages through every execution with the older links, and back with the newer links, no row repeated or skipped', async () => {
  await page.goto(processUrl());
  const older = await follow('Older →');
  expect(older.map((p) => p.length)).toEqual([20, 20, 9]);
  expect(older.flat()).toEqual(seeded.map((s) => s.execution_id));
  await expect(page.getByRole('link', { name: '← Newer' }).count()).resolves.toBe(1);

  const newer = await follow('← Newer');
  expect(newer.reverse().flat()).toEqual(seeded.map((s) => s.execution_id));
  expect(newer[0]).toEqual(older[0]);
  // Back on the first page: nothing newer.
  await expect(page.getByRole('link', { name: '← Newer' }).count()).resolves.toBe(0);
});

test('each row links to its execution page', async () => {
  await page.goto(processUrl());
  const first = page.locator('#executions tbody tr').first();
  const id = await first.getAttribute('data-execution-id');
  await expect(first.getByRole('link').getAttribute('href')).resolves.toBe(`/ui/executions/${id}`);
});

test('the GET form filters by status, trigger and a date range in the process zone, and the links keep the filters', async () => {
  await page.goto(processUrl());
  await page.getByLabel('Status').selectOption('completed');
  await page.getByLabel('Trigger').selectOption('schedule');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=completed/);
  const url = new URL(page.url());
  expect(url.searchParams.get('trigger')).toBe('schedule');
  const matching = seeded.filter((s) => s.status === 'completed' && s.trigger === 'schedule');
  const pages = await follow('Older →');
  expect(pages.flat()).toEqual(matching.map((s) => s.execution_id));
  expect(pages.length).toBeGreaterThan(0);

  const from = daysAgo(9);
  const to = daysAgo(3);
  await page.goto(processUrl());
  await page.getByLabel('Trigger').selectOption('manual');
  await page.getByLabel(/Started on or after/).fill(from);
  await page.getByLabel(/Started on or before/).fill(to);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/from=/);
  const inRange = seeded.filter(
    (s) =>
      s.trigger === 'manual' && s.started_at !== null && localDay(s.started_at) >= from && localDay(s.started_at) <= to,
  );
  expect(inRange.length).toBeGreaterThan(3);
  expect(inRange.length).toBeLessThan(20);
  await expect(rowIds()).resolves.toEqual(inRange.map((s) => s.execution_id));
  // The form shows the filters again.
  await expect(page.getByLabel('Trigger').inputValue()).resolves.toBe('manual');
  await expect(page.getByLabel(/Started on or after/).inputValue()).resolves.toBe(from);

  await page.goto(processUrl('?status=disabled'));
  await expect(page.locator('#executions tbody').textContent()).resolves.toContain('No executions match the filters.');
});

test('a bad filter value is a 400 page naming the field', async () => {
  const cases: [string, RegExp][] = [
    ['?status=sleeping', /^status must be one of/],
    ['?trigger=cron', /^trigger must be one of/],
    ['?from=2026-02-30', /^from must be a date/],
    ['?from=yesterday', /^from must be a date/],
    ['?from=2026-03-10&to=2026-03-01', /^to must be on or after from/],
    ['?days=7', /^days must be 30 or 90/],
    ['?cursor=not-a-cursor', /^cursor is not a cursor/],
    ['?before=%25%25', /^before is not a cursor/],
  ];
  for (const [query, message] of cases) {
    const response = await page.goto(processUrl(query));
    expect({ query, status: response!.status() }).toEqual({ query, status: 400 });
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(message);
  }
});

test('the chart has one bar per day with runs over 30 days, or 90, and the same days as a table', async () => {
  const withRuns = (days: number) =>
    [
      ...new Set(
        seeded
          .filter((s) => s.started_at !== null && localDay(s.started_at) >= daysAgo(days - 1))
          .map((s) => localDay(s.started_at!)),
      ),
    ].sort();
  const barDays = (series: string) =>
    page
      .locator(`svg[data-series="${series}"] rect.chart-bar`)
      .evaluateAll((bars) => bars.map((b) => b.getAttribute('data-day')));

  await page.goto(processUrl());
  const thirty = withRuns(30);
  expect(thirty.length).toBeGreaterThan(10);
  await expect(barDays('moved')).resolves.toEqual(thirty);
  await expect(barDays('duration')).resolves.toEqual(thirty);
  const chart = page.getByRole('img', { name: /Tasks moved per day, last 30 days/ });
  await expect(chart.count()).resolves.toBe(1);
  // The table alternative, behind a disclosure: the same days, with the counts.
  await page.getByText("The charts' data as a table").click();
  const tableDays = await page.locator('#daily-stats tbody th[scope="row"]').allTextContents();
  expect(tableDays).toEqual(thirty);
  const today = page.locator('#daily-stats tbody tr').filter({ has: page.locator(`th:text-is("${thirty.at(-1)}")`) });
  const todayRuns = seeded.filter((s) => s.started_at !== null && localDay(s.started_at) === thirty.at(-1)).length;
  await expect(today.locator('td[data-label="Runs"]').textContent()).resolves.toBe(String(todayRuns));

  await page.getByRole('link', { name: '90 days' }).click();
  await page.waitForURL(/days=90/);
  const ninety = withRuns(90);
  expect(ninety).toEqual([daysAgo(60), daysAgo(40), ...thirty]);
  await expect(barDays('moved')).resolves.toEqual(ninety);
  await expect(page.getByRole('img', { name: /Tasks moved per day, last 90 days/ }).count()).resolves.toBe(1);
  // The history and its links keep the window.
  await expect(page.getByRole('link', { name: 'Older →' }).getAttribute('href')).resolves.toContain('days=90');
});

test('the policy and channels are shown as stored, never their secrets', async () => {
  const response = await page.goto(processUrl());
  const source = await response!.text();
  for (const secret of [WEBHOOK_SECRET, 'SLACKSECRETXYZ', 'QUERYSECRETXYZ', '***'])
    expect(source).not.toContain(secret);
  const policy = await page.locator('#policy-facts').textContent();
  expect(policy).toContain('up to 7 attempts');
  expect(policy).toContain('up to 2 reruns of a failed run, for its local day, 15 min after it failed');
  expect(policy).toContain('a run 900 s');
  const channels = await page.locator('#channels tbody tr').allTextContents();
  expect(channels).toHaveLength(3);
  expect(channels[0]).toMatch(
    /webhook\s+https:\/\/hooks\.example\.com\/behflow\/in\s*signed with a secret \(not shown\)\s+failed, recovered/,
  );
  expect(channels[1]).toMatch(/slack\s+slack/);
  expect(channels[2]).toMatch(/email\s+ops@example\.com\s+missed/);
  // What the page showed before stays: state, schedule, Actions, the pause form.
  await expect(page.locator('#state').textContent()).resolves.toContain('Enabled');
  await expect(page.getByRole('button', { name: 'Pause' }).count()).resolves.toBe(1);
  await expect(page.getByRole('heading', { name: 'Actions' }).count()).resolves.toBe(1);
});

test('no serious axe violations, at 1280 px and at phone width, where nothing scrolls sideways', async () => {
  await page.goto(processUrl());
  await page.getByText("The charts' data as a table").click();
  await checkAccessibility('process-history');
  await screenshot(page, 'process-history');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(processUrl('?days=90'));
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  await checkAccessibility('process-history-phone');
  await screenshot(page, 'process-history-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});
