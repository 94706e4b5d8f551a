/**
 * The operator's console in a real browser (Debian's Chromium, driven by playwright-core): sign in
 * with the API token, see both registered processes, pause with a note and resume, forms without
 * their CSRF token refused, the security headers and cookie flags, axe-core, sign out.
 */
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { silentLogger } from '../../platform/logger';
import { reconcileSchedules } from '../../temporal/reconcile';
import { sql } from '../helpers/database';
import { AUTH, buildTestApi, TEST_TOKEN, type TestApi } from '../api/helpers';
import { axeViolations, launchChromium, screenshot, serious, type AxeViolation } from './browser';

let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
const axeReport: Record<string, AxeViolation[]> = {};

beforeAll(async () => {
  [api, browser] = await Promise.all([buildTestApi(), launchChromium()]);
  // The schedules as a worker's start creates them, so the page has next runs to show.
  await reconcileSchedules({
    orm: api.db.orm,
    client: api.temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: api.config.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
  // Two finished runs of archive_completed_tasks, the later one failed with markup in its error.
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, trigger, logical_time, started_at, completed_at, error_message)
     SELECT gen_random_uuid(), process_id, v.status::process_status_enum, 'schedule', v.at, v.at,
            v.at + interval '2 seconds', v.error
       FROM automated_processes,
            (VALUES ('completed', timestamptz '2026-11-29 23:30:00Z', NULL),
                    ('failed', timestamptz '2026-11-30 23:30:00Z', '<img src=x> went wrong')) v(status, at, error)
      WHERE name = 'archive_completed_tasks'`,
  );
  // A run of reschedule_remaining_tasks an hour ago, also without a workflow id.
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions (execution_id, process_id, status, trigger, started_at, completed_at)
     SELECT gen_random_uuid(), process_id, 'completed', 'schedule', now() - interval '1 hour', now() - interval '59 minutes'
       FROM automated_processes WHERE name = 'reschedule_remaining_tasks'`,
  );
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  // Printed so the report can quote it: every violation, of any impact.
  console.log(`axe-core violations by page: ${JSON.stringify(axeReport)}`);
  await browser?.close();
  await api?.close();
});

async function processState(name: string): Promise<{ paused: boolean; pause_note: string | null }> {
  const res = await api.app.inject({ method: 'GET', url: `/processes/${name}`, headers: AUTH });
  return res.json();
}

async function checkAccessibility(name: string): Promise<void> {
  const violations = await axeViolations(page);
  axeReport[name] = violations;
  expect(serious(violations)).toEqual([]);
}

test('a page without a session redirects to the sign-in form, served with a CSP of self only', async () => {
  const response = await page.goto(`${base}/ui`);
  expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
  const headers = response!.headers();
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['content-security-policy']).not.toMatch(/unsafe|https:|data:/);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  await expect(page.getByLabel('API token').isVisible()).resolves.toBe(true);
  await checkAccessibility('sign-in');
  await screenshot(page, 'sign-in');
});

test('the sign-in form without its CSRF token is refused (403) and signs nobody in', async () => {
  await page.goto(`${base}/ui/sign-in`);
  await page.evaluate(`document.querySelector('input[name="_csrf"]').remove()`);
  await page.getByLabel('API token').fill(TEST_TOKEN);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/ui/sign-in') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  expect(response.status()).toBe(403);
  await page.goto(`${base}/ui`);
  expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
});

test('a wrong token is refused with a message; the API token signs in with an HttpOnly, SameSite=Strict cookie', async () => {
  await page.goto(`${base}/ui/sign-in`);
  await page.getByLabel('API token').fill('not-the-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').textContent()).resolves.toContain('not the API token');

  await page.getByLabel('API token').fill(TEST_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/ui`);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'behflow_session');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui', secure: false });
  expect(session?.value).not.toContain(TEST_TOKEN);
  expect(cookies.find((c) => c.name === 'behflow_csrf')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
});

test('the processes page lists both registered processes with state, schedule, next runs and counts', async () => {
  const response = await page.goto(`${base}/ui`);
  expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
  const table = page.getByRole('table');
  const headers = await table.getByRole('columnheader').allTextContents();
  expect(headers).toEqual([
    'Process',
    'State',
    'Schedule',
    'Next runs',
    'Last run',
    'Skipped runs',
    'Missed runs',
    'Runs by another scheduler',
  ]);
  for (const name of ['reschedule_remaining_tasks', 'archive_completed_tasks']) {
    const row = table.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row.count()).resolves.toBe(1);
    const text = await row.textContent();
    expect(text).toContain('Enabled');
    expect(text).toMatch(/daily at \d\d:\d\d Asia\/Tehran \(\d\d:\d\d UTC\)/);
    // Each next run is shown in the process zone, with its UTC time on hover.
    const times = row.locator('time');
    expect(await times.count()).toBeGreaterThan(0);
    expect(await times.first().getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  }
  // The last run: failed at 03:00 Tehran on Dec 1 (23:30:02 UTC the day before), UTC on hover.
  const archive = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'archive_completed_tasks' }) });
  const lastRun = archive.locator('td[data-label="Last run"]');
  await expect(lastRun.textContent()).resolves.toMatch(/failed\s+2026-12-01 03:00/);
  await expect(lastRun.locator('time').getAttribute('title')).resolves.toBe('2026-11-30 23:30 UTC');
  // The seeded rows have no workflow id: another scheduler (Behflow's APScheduler) wrote them.
  const other = (name: string) =>
    table
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name, exact: true }) })
      .locator('td[data-label="Runs by another scheduler"]')
      .innerText();
  await expect(other('archive_completed_tasks')).resolves.toMatch(/\blast\s+2026-12-01 03:00/);
  await expect(other('reschedule_remaining_tasks')).resolves.toMatch(/^\s*1 in the last 7 days\s+last\s+\d{4}-/);
  await checkAccessibility('processes');
  await screenshot(page, 'processes-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  // At phone width nothing scrolls sideways: the rows become cards.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  await checkAccessibility('processes-phone');
  await screenshot(page, 'processes-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a pause form without its CSRF token is refused (403) and the process stays enabled', async () => {
  await page.goto(`${base}/ui/processes/archive_completed_tasks`);
  await page.evaluate(`document.querySelector('form[action$="/pause"] input[name="_csrf"]').remove()`);
  await page.getByLabel(/Note/).fill('should not pause');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/pause') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Pause' }).click(),
  ]);
  expect(response.status()).toBe(403);
  await expect(processState('archive_completed_tasks')).resolves.toMatchObject({ paused: false });
});

test('pause with a note shows on the process page and the list; resume clears it', async () => {
  await page.goto(`${base}/ui/processes/archive_completed_tasks`);
  const runs = await page.getByRole('table').getByRole('row').allTextContents();
  expect(runs).toHaveLength(3);
  expect(runs[1]).toMatch(/failed\s+schedule\s+2026-12-01 03:00\s+2026-12-01 03:00\s+2\.0 s\s+<img src=x> went wrong/);
  expect(runs[2]).toMatch(/completed\s+schedule\s+2026-11-30 03:00/);
  await expect(page.locator('img').count()).resolves.toBe(0);
  await checkAccessibility('process');
  await page.getByLabel(/Note/).fill('holiday <b>freeze</b>');
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForURL(`${base}/ui/processes/archive_completed_tasks`);
  await expect(page.locator('#state').textContent()).resolves.toContain('Note: holiday <b>freeze</b>');
  await expect(processState('archive_completed_tasks')).resolves.toMatchObject({
    paused: true,
    pause_note: 'holiday <b>freeze</b>',
  });
  await screenshot(page, 'process-paused');
  await page.goto(`${base}/ui`);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'archive_completed_tasks' }) });
  await expect(row.textContent()).resolves.toContain('Paused');

  await page.goto(`${base}/ui/processes/archive_completed_tasks`);
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.waitForURL(`${base}/ui/processes/archive_completed_tasks`);
  await expect(processState('archive_completed_tasks')).resolves.toMatchObject({ paused: false });
});

test('sign out ends the session: the console asks to sign in again', async () => {
  await page.goto(`${base}/ui`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${base}/ui/sign-in`);
  expect((await context.cookies()).find((c) => c.name === 'behflow_session')).toBeUndefined();
  await page.goto(`${base}/ui`);
  expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
});
