import type { InjectOptions } from 'fastify';
import { buildApp, type App } from '../../api/app';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { scheduleIdFor } from '../../temporal/ids';
import { reconcileSchedules } from '../../temporal/reconcile';
import { silentLogger } from '../../platform/logger';
import { sql } from '../helpers/database';
import { AUTH, buildTestApi, TEST_TOKEN, type TestApi } from './helpers';

/**
 * Cross-site requests to the API: a page on any website can send a "simple" request (no preflight) to
 * the loopback API, and a DNS-rebinding page can read its answers. Writes need JSON; without a token,
 * only loopback Host and Origin headers are accepted.
 */

const NAME = 'reschedule_remaining_tasks';
const PAUSE = `/processes/${NAME}/pause`;
const ARCHIVE = 'archive_completed_tasks';
const JSON_TYPE = { 'content-type': 'application/json' };

/** Without API_TOKEN, as `npm run api` runs on a developer's machine. */
let open: TestApi;
/** The same database and Temporal, with API_TOKEN set. */
let guarded: App;

beforeAll(async () => {
  open = await buildTestApi({ env: { API_TOKEN: '' } });
  await reconcileSchedules({
    orm: open.db.orm,
    client: open.temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: open.config.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
  guarded = await buildApp(
    {
      orm: open.db.orm,
      client: open.temporal.client,
      config: { ...open.config, apiToken: TEST_TOKEN },
      registry: PROCESS_REGISTRY,
    },
    { logger: false },
  );
  await guarded.ready();
});
afterAll(async () => {
  await guarded?.close();
  await open?.close();
});

/** The process's state as the database and Temporal hold it, read past the API. */
async function state(): Promise<{ enabled: boolean | undefined; paused: boolean }> {
  const [row] = await sql<{ is_enabled: boolean }>(
    open.db.orm,
    'SELECT is_enabled FROM automated_processes WHERE name = ?',
    [NAME],
  );
  const described = await open.temporal.client.schedule.getHandle(scheduleIdFor(NAME, open.config)).describe();
  return { enabled: row?.is_enabled, paused: described.state.paused };
}

const RUNNING = { enabled: true, paused: false };
const PAUSED = { enabled: false, paused: true };

/** Each test starts with the process running, whatever the one before did. */
beforeEach(async () => {
  if ((await state()).paused) await resume();
  expect(await state()).toEqual(RUNNING);
});

async function resume(): Promise<void> {
  const res = await open.app.inject({
    method: 'POST',
    url: `/processes/${NAME}/resume`,
    headers: JSON_TYPE,
    payload: '{}',
  });
  expect(res.statusCode).toBe(200);
}

/** Sends `options` to the app without a token and expects `status`, the process untouched by a refusal. */
async function expectRefused(options: InjectOptions, status: 403 | 415, field: string): Promise<void> {
  const res = await open.app.inject(options);
  expect(res.statusCode).toBe(status);
  expect(res.json()).toMatchObject({ statusCode: status, field });
  expect(res.json().message).toContain(field);
  expect(await state()).toEqual(RUNNING);
}

describe('without API_TOKEN: writes need Content-Type: application/json', () => {
  test('POST /pause with no content type (a cross-site fetch or form can send that) → 415, not paused', async () => {
    await expectRefused({ method: 'POST', url: PAUSE }, 415, 'headers.content-type');
    const res = await open.app.inject({ method: 'POST', url: PAUSE });
    expect(res.json()).toMatchObject({
      statusCode: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      error: 'Unsupported Media Type',
      message: expect.stringContaining('application/json'),
    });
  });

  test.each([
    ['text/plain', 'note=x'],
    ['text/plain', ''],
    ['application/x-www-form-urlencoded', 'note=x'],
    ['multipart/form-data; boundary=x', '--x--\r\n'],
    ['application/jsonp', '{}'],
    ['text/json', '{}'],
  ])('POST /pause with %s (body %j) → 415, not paused', async (type, payload) => {
    await expectRefused(
      { method: 'POST', url: PAUSE, headers: { 'content-type': type }, payload },
      415,
      'headers.content-type',
    );
  });

  test.each([
    ['PATCH', `/processes/${NAME}`],
    ['POST', `/processes/${NAME}/trigger`],
    ['POST', `/processes/${NAME}/trigger?wait=true`],
  ] as const)('%s %s with no content type → 415, nothing changes', async (method, url) => {
    await expectRefused({ method, url }, 415, 'headers.content-type');
    const [runs] = await sql<{ count: string }>(open.db.orm, 'SELECT count(*) FROM automated_process_executions');
    expect(runs?.count).toBe('0');
  });

  test('DELETE with no content type → 415, the process stays', async () => {
    const url = `/processes/${ARCHIVE}`;
    const res = await open.app.inject({ method: 'DELETE', url });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ statusCode: 415, field: 'headers.content-type' });
    expect((await open.app.inject({ method: 'GET', url })).statusCode).toBe(200);
  });

  test.each([
    ['an empty body', 'application/json', undefined],
    ['an empty body and a charset', 'application/json; charset=utf-8', undefined],
    ['{}', 'application/json', '{}'],
    ['a note', 'Application/JSON', '{"note":"offsite"}'],
  ])('POST /pause with %s (%s) works', async (_, type, payload) => {
    const res = await open.app.inject({
      method: 'POST',
      url: PAUSE,
      headers: { 'content-type': type },
      ...(payload === undefined ? {} : { payload }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: NAME, enabled: false, paused: true });
    expect(await state()).toEqual(PAUSED);
  });

  test('an empty JSON body where a body is required → 400 naming the body', async () => {
    const res = await open.app.inject({ method: 'POST', url: '/processes', headers: JSON_TYPE });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT', field: 'body' });
  });

  test('malformed JSON is still 400', async () => {
    const res = await open.app.inject({ method: 'POST', url: PAUSE, headers: JSON_TYPE, payload: '{' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, field: 'body' });
  });

  test('reads need no content type', async () => {
    expect((await open.app.inject({ method: 'GET', url: `/processes/${NAME}` })).statusCode).toBe(200);
  });
});

describe('without API_TOKEN: only loopback Host headers (DNS rebinding)', () => {
  test.each([
    'evil.example',
    'evil.example:3000',
    'localhost.evil.example',
    '127.0.0.1.nip.io',
    '[::2]',
    '0.0.0.0:3000',
  ])('Host %s → 403 on a write, nothing changes', async (host) => {
    await expectRefused({ method: 'POST', url: PAUSE, headers: { host, ...JSON_TYPE } }, 403, 'headers.host');
  });

  test.each(['/processes', `/processes/${NAME}`, '/health', '/ready', '/openapi.json', '/docs'])(
    'Host evil.example → 403 on GET %s too (a rebinding page could read it)',
    async (url) => {
      const res = await open.app.inject({ method: 'GET', url, headers: { host: 'evil.example' } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN_HOST', field: 'headers.host' });
    },
  );

  test.each([
    'localhost',
    'localhost:3000',
    'LOCALHOST:3000',
    '127.0.0.1',
    '127.0.0.1:3000',
    '127.1.2.3:8080',
    '[::1]',
    '[::1]:3000',
  ])('Host %s is accepted', async (host) => {
    const res = await open.app.inject({ method: 'GET', url: `/processes/${NAME}`, headers: { host } });
    expect(res.statusCode).toBe(200);
  });
});

describe('without API_TOKEN: only loopback Origin headers, when there is one', () => {
  test.each(['https://evil.example', 'http://evil.example:3000', 'null', 'http://localhost.evil.example', 'file://'])(
    'Origin %s → 403 on a write, nothing changes',
    async (origin) => {
      await expectRefused({ method: 'POST', url: PAUSE, headers: { origin, ...JSON_TYPE } }, 403, 'headers.origin');
    },
  );

  test('Origin https://evil.example → 403 on a read too', async () => {
    const res = await open.app.inject({
      method: 'GET',
      url: '/processes',
      headers: { origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'FORBIDDEN_ORIGIN', field: 'headers.origin' });
  });

  test.each(['http://localhost:5173', 'http://127.0.0.1:3000', 'https://localhost', 'http://[::1]:3000'])(
    'Origin %s is accepted (a local dev server, the Swagger UI)',
    async (origin) => {
      const res = await open.app.inject({
        method: 'POST',
        url: PAUSE,
        headers: { origin, ...JSON_TYPE },
        payload: '{}',
      });
      expect(res.statusCode).toBe(200);
      expect(await state()).toEqual(PAUSED);
    },
  );
});

describe('with API_TOKEN', () => {
  test('Host evil.example and Origin https://evil.example with the right token are accepted', async () => {
    const res = await guarded.inject({
      method: 'POST',
      url: PAUSE,
      headers: { ...AUTH, ...JSON_TYPE, host: 'evil.example', origin: 'https://evil.example' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(200);
    expect(await state()).toEqual(PAUSED);
  });

  test('writes still need application/json', async () => {
    const res = await guarded.inject({ method: 'POST', url: PAUSE, headers: AUTH });
    expect(res.statusCode).toBe(415);
    expect(await state()).toEqual(RUNNING);
  });

  test('without the token, the answer is 401 whatever the content type', async () => {
    const res = await guarded.inject({ method: 'POST', url: PAUSE, headers: { host: 'evil.example' } });
    expect(res.statusCode).toBe(401);
    expect(await state()).toEqual(RUNNING);
  });
});
