/**
 * Fault 4: bad input. A corpus of malformed, hostile and out-of-range requests against every route
 * of the API (buildApp on this file's own PostgreSQL and Temporal, with a real worker): each must be
 * answered 4xx with a JSON body whose `message` says what is wrong (and names the field where there
 * is one), never 5xx, and must change nothing in the database or in Temporal.
 */
import type { Client } from '@temporalio/client';
import { buildApp, type App } from '../api/app';
import { loadConfig } from '../config';
import { initORM, type Orm } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { executionsOf, one, rows, seedTasks } from './support/database';
import { FaultStack, ZONE } from './support/stack';
import { triggerSchedule } from './support/temporal';
import { eventually, report, seconds } from './support/timing';

const FILE = 'bad-input';
const TOKEN = 'faults-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const NAME = 'reschedule_remaining_tasks';
const PAUSED = 'archive_completed_tasks';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

interface BadRequest {
  readonly label: string;
  readonly method: Method;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is (set the content type in headers). */
  readonly payload?: string | object;
  /** The field the message must name, e.g. "body.schedule.hour". */
  readonly field?: string;
  /** Without the token (the auth cases); default: with it. */
  readonly noAuth?: boolean;
  /** A write without `Content-Type: application/json` (the cross-site cases); default: with it. */
  readonly noContentType?: boolean;
  /** An odd but arguably valid request: any answer but 5xx, and still no change. */
  readonly maySucceed?: boolean;
}

let stack: FaultStack;
let orm: Orm;
let app: App;
let executionId = '';
let executionsCursor = '';
let tasksCursor = '';
const serverErrors: string[] = [];

/** The logged cause of a 5xx, found by the request id its body gives. */
function causeOf(body: string): string {
  const id = /request (\S+?)"/.exec(body)?.[1];
  const line = id ? serverErrors.find((l) => l.includes(`"reqId":"${id}"`)) : undefined;
  if (!line) return '';
  const err = (JSON.parse(line) as { err?: { type?: string; message?: string; code?: string } }).err;
  return ` [cause: ${err?.type ?? '?'} ${err?.code ?? ''} ${err?.message ?? ''}]`.replace(/\s+/g, ' ');
}

beforeAll(async () => {
  stack = await FaultStack.start(FILE, { batchSize: 1_000 });
  // Some history to read: one real run that moved 30 tasks, and a paused process.
  await seedTasks(stack.pool, { overdue: 30, future: 3, completed: 3, cancelled: 3, undated: 3 });
  await triggerSchedule(stack.client, stack.taskQueue, NAME);
  const run = await eventually(
    'a completed run',
    async () => (await executionsOf(stack.pool, NAME)).find((e) => e.status === 'completed'),
    { timeoutMs: 120_000 },
  );
  executionId = run.execution_id;

  orm = await initORM(stack.postgres.databaseUrl, { poolMax: 4 });
  stack.cleanup.add('close the ORM', () => orm.close());
  const config = loadConfig(
    {
      DATABASE_URL: stack.postgres.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      BEHFLOW_TIMEZONE: ZONE,
      API_TOKEN: TOKEN,
    },
    PROCESS_REGISTRY,
  );
  // Errors only, kept to explain a 5xx (its body says no more than the request id, by design).
  const stream = { write: (line: string) => void serverErrors.push(line) };
  app = await buildApp(
    { orm, client: stack.client, config, registry: PROCESS_REGISTRY },
    { logger: { level: 'error', stream } },
  );
  stack.cleanup.add('close the API', () => app.close());
  await app.ready();

  const paused = await app.inject({
    method: 'POST',
    url: `/processes/${PAUSED}/pause`,
    headers: { ...AUTH, ...json },
  });
  expect(paused.statusCode).toBe(200);
  const second = await triggerAndWait(stack.client);
  expect(second).toBe('completed');
  const page = await app.inject({ method: 'GET', url: `/processes/${NAME}/executions?limit=1`, headers: AUTH });
  executionsCursor = String((page.json() as { next_cursor: string }).next_cursor);
  const tasks = await app.inject({ method: 'GET', url: `/executions/${executionId}/tasks?limit=2`, headers: AUTH });
  tasksCursor = String((tasks.json() as { next_cursor: string }).next_cursor);
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

async function triggerAndWait(client: Client): Promise<string> {
  const known = new Set((await executionsOf(stack.pool, NAME)).map((e) => e.execution_id));
  await triggerSchedule(client, stack.taskQueue, NAME);
  return eventually(
    'the second run completes',
    async () => {
      const row = (await executionsOf(stack.pool, NAME)).find((e) => !known.has(e.execution_id));
      return row && row.status !== 'running' ? row.status : undefined;
    },
    { timeoutMs: 120_000 },
  );
}

// ---------------------------------------------------------------- snapshots

/** Every table's row count and a digest of its rows, and every sequence's position. */
async function databaseSnapshot(): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  const tables = await rows<{ tablename: string }>(
    stack.pool,
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  for (const { tablename } of tables) {
    const { n, digest } = await one<{ n: string; digest: string }>(
      stack.pool,
      `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest
         FROM "${tablename}" t`,
    );
    snapshot[`table ${tablename}`] = `${n} rows ${digest}`;
  }
  for (const s of await rows<{ sequencename: string; last_value: string | null }>(
    stack.pool,
    `SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'`,
  )) {
    snapshot[`sequence ${s.sequencename}`] = String(s.last_value);
  }
  return snapshot;
}

/** Every schedule (spec, action, policies, state, memo, actions taken) and every workflow run. */
async function temporalSnapshot(): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  for await (const summary of stack.client.schedule.list()) {
    const d = await stack.client.schedule.getHandle(summary.scheduleId).describe();
    snapshot[`schedule ${summary.scheduleId}`] = {
      spec: d.spec,
      action: d.action,
      policies: d.policies,
      state: d.state,
      memo: d.memo,
      actions: d.info.numActionsTaken,
      recent: d.info.recentActions.map((a) => a.action.workflow.workflowId),
      next: d.info.nextActionTimes.map((t) => t.toISOString()),
    };
  }
  for await (const w of stack.client.workflow.list()) {
    snapshot[`workflow ${w.workflowId} ${w.runId}`] = w.status.name;
  }
  return snapshot;
}

// ---------------------------------------------------------------- the corpus

const json = { 'content-type': 'application/json' };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const enc = encodeURIComponent;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const BAD_NAMES: readonly [string, string][] = [
  ['non-ASCII', 'ñame_process'],
  ['emoji', 'process_😀'],
  ['RTL text', 'فرآیند_روزانه'],
  ['NUL byte', 'proc\u0000ess'],
  ['SQL injection', "'; DROP TABLE tasks; --"],
  ['NoSQL operator', '{"$gt": ""}'],
  ['65 characters', `p${'x'.repeat(64)}`],
  ['upper case', 'Reschedule_Remaining_Tasks'],
  ['path traversal', '../../etc/passwd'],
  ['too short', 'ab'],
  ['leading digit', '1process'],
  ['space', 'my process'],
  ['trailing newline', `${NAME}\n`],
];

/** Too long for the router (maxParamLength 100): it answers 404 "No route", which is fine. */
const OVERLONG_NAME = `p${'x'.repeat(300)}`;

const NAME_ROUTES: readonly { method: Method; path: (name: string) => string; payload?: object }[] = [
  { method: 'GET', path: (n) => `/processes/${n}` },
  { method: 'PATCH', path: (n) => `/processes/${n}`, payload: { description: 'changed' } },
  { method: 'DELETE', path: (n) => `/processes/${n}` },
  { method: 'POST', path: (n) => `/processes/${n}/pause` },
  { method: 'POST', path: (n) => `/processes/${n}/resume` },
  { method: 'POST', path: (n) => `/processes/${n}/trigger` },
  {
    method: 'POST',
    path: (n) => `/processes/${n}/backfill`,
    payload: { start: iso(Date.now() - 2 * DAY), end: iso(Date.now() - DAY) },
  },
  { method: 'GET', path: (n) => `/processes/${n}/executions` },
  { method: 'GET', path: (n) => `/processes/${n}/notifications` },
];

const BAD_IDS: readonly [string, string, boolean][] = [
  ['not a UUID', 'not-a-uuid', true],
  ['a number', '12345', true],
  ['SQL injection', "'; DROP TABLE tasks; --", true],
  ['NUL byte', '00000000-0000-4000-8000-00000000\u0000000', true],
  ['emoji', '😀', true],
  ['UUID without hyphens', '6f1c2d9e8a7b4c3d9e8f7a6b5c4d3e2f', true],
  ['UUID in braces', '{6f1c2d9e-8a7b-4c3d-9e8f-7a6b5c4d3e2f}', true],
  ['UUID with a suffix', '6f1c2d9e-8a7b-4c3d-9e8f-7a6b5c4d3e2fx', true],
  ['URN UUID', 'urn:uuid:6f1c2d9e-8a7b-4c3d-9e8f-7a6b5c4d3e2f', false],
  ['unknown UUID', '6f1c2d9e-8a7b-4c3d-9e8f-7a6b5c4d3e2f', false],
];

function corpus(): BadRequest[] {
  const list: BadRequest[] = [];
  const add = (request: BadRequest) => list.push(request);

  // --- tokens: every protected route, with the request a token-holder could make
  const protectedRoutes: { method: Method; url: string; payload?: object }[] = [
    { method: 'GET', url: '/processes' },
    {
      method: 'POST',
      url: '/processes',
      payload: { name: 'fault_auth_probe', implementation: NAME, schedule: null },
    },
    { method: 'GET', url: `/processes/${NAME}` },
    { method: 'PATCH', url: `/processes/${NAME}`, payload: { enabled: false } },
    { method: 'DELETE', url: `/processes/${NAME}` },
    { method: 'POST', url: `/processes/${NAME}/pause` },
    { method: 'POST', url: `/processes/${PAUSED}/resume` },
    { method: 'POST', url: `/processes/${NAME}/trigger` },
    {
      method: 'POST',
      url: `/processes/${NAME}/backfill`,
      payload: { start: iso(Date.now() - 2 * DAY), end: iso(Date.now() - DAY) },
    },
    { method: 'GET', url: `/processes/${NAME}/executions` },
    { method: 'GET', url: `/processes/${NAME}/notifications` },
    { method: 'GET', url: `/executions/${executionId}` },
    { method: 'GET', url: `/executions/${executionId}/tasks` },
    { method: 'GET', url: '/no/such/route' },
  ];
  const wrongTokens: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }],
    ['Basic scheme', { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` }],
    ['Bearer without a token', { authorization: 'Bearer' }],
    ['token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
    ['token cut short', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['token without a scheme', { authorization: TOKEN }],
    ['token in quotes', { authorization: `Bearer "${TOKEN}"` }],
    ['two tokens', { authorization: `Bearer wrong ${TOKEN}` }],
    ['SQL injection as token', { authorization: "Bearer ' OR '1'='1" }],
    ['token in the query string', {}],
  ];
  for (const route of protectedRoutes) {
    for (const [label, headers] of wrongTokens) {
      const url = label === 'token in the query string' ? `${route.url}?token=${TOKEN}&api_token=${TOKEN}` : route.url;
      add({ label: `auth: ${label}`, method: route.method, url, headers, payload: route.payload, noAuth: true });
    }
  }

  // --- names
  for (const route of NAME_ROUTES) {
    for (const [label, name] of BAD_NAMES) {
      add({
        label: `name: ${label}`,
        method: route.method,
        url: route.path(enc(name)),
        payload: route.payload,
        field: 'params.name',
      });
    }
    add({
      label: 'name: 300 characters',
      method: route.method,
      url: route.path(OVERLONG_NAME),
      payload: route.payload,
    });
    if (route.method !== 'GET') {
      add({
        label: 'unknown process',
        method: route.method,
        url: route.path('no_such_process'),
        payload: route.payload,
      });
    }
  }
  add({ label: 'method: PUT', method: 'PUT', url: `/processes/${NAME}`, payload: { description: 'x' } });

  // --- POST /processes
  const create = (overrides: Record<string, unknown>) => ({
    name: 'fault_probe',
    implementation: NAME,
    schedule: { hour: 7, minute: 30, timezone: ZONE },
    ...overrides,
  });
  const schedule = (overrides: Record<string, unknown>) =>
    create({ schedule: { hour: 7, minute: 30, timezone: ZONE, ...overrides } });
  const createCases: [string, object | string, string | undefined][] = [
    ['name: number', create({ name: 123 }), 'body.name'],
    ['name: null', create({ name: null }), 'body.name'],
    ['name: object', create({ name: { $gt: '' } }), 'body.name'],
    ['name: missing', { implementation: NAME }, 'body.name'],
    ['implementation: missing', { name: 'fault_probe' }, 'body.implementation'],
    ['implementation: number', create({ implementation: 42 }), 'body.implementation'],
    ['implementation: unknown', create({ implementation: 'no_such_impl' }), 'body.implementation'],
    ['implementation: SQL injection', create({ implementation: "'; DROP TABLE tasks; --" }), 'body.implementation'],
    ['schedule: string', create({ schedule: '07:30' }), 'body.schedule'],
    ['schedule: array', create({ schedule: [7, 30] }), 'body.schedule'],
    ['hour: -1', schedule({ hour: -1 }), 'body.schedule.hour'],
    ['hour: 24', schedule({ hour: 24 }), 'body.schedule.hour'],
    ['hour: 1.5', schedule({ hour: 1.5 }), 'body.schedule.hour'],
    ['hour: "seven"', schedule({ hour: 'seven' }), 'body.schedule.hour'],
    ['hour: 2^53', schedule({ hour: 2 ** 53 }), 'body.schedule.hour'],
    ['hour: -2^53', schedule({ hour: -(2 ** 53) }), 'body.schedule.hour'],
    ['minute: 60', schedule({ minute: 60 }), 'body.schedule.minute'],
    [
      'concurrency: key outside event.data',
      create({ concurrency: { limit: 1, key: 'data.user_id' } }),
      'body.concurrency.key',
    ],
    [
      'concurrency: key SQL injection',
      create({ concurrency: { limit: 1, key: "event.data.x'; --" } }),
      'body.concurrency.key',
    ],
    ['concurrency: limit 0', create({ concurrency: { limit: 0 } }), 'body.concurrency.limit'],
    ['concurrency: limit "1"', create({ concurrency: { limit: '1' } }), 'body.concurrency.limit'],
    ['concurrency: no limit', create({ concurrency: { key: 'event.data.user_id' } }), 'body.concurrency.limit'],
    ['overlap: unknown', create({ overlap: 'queue' }), 'body.overlap'],
    ['minute: -1', schedule({ minute: -1 }), 'body.schedule.minute'],
    ['timezone: unknown', schedule({ timezone: 'Mars/Olympus_Mons' }), 'body.schedule.timezone'],
    ['timezone: misspelt', schedule({ timezone: 'Asia/Teheran_' }), 'body.schedule.timezone'],
    ['timezone: empty', schedule({ timezone: '' }), 'body.schedule.timezone'],
    ['timezone: 65 characters', schedule({ timezone: `Asia/${'x'.repeat(60)}` }), 'body.schedule.timezone'],
    ['timezone: SQL injection', schedule({ timezone: "UTC'; DROP TABLE tasks; --" }), 'body.schedule.timezone'],
    ['timezone: NUL byte', schedule({ timezone: 'Asia/Tehran\u0000' }), 'body.schedule.timezone'],
    ['timezone: path', schedule({ timezone: '../../../etc/localtime' }), 'body.schedule.timezone'],
    ['timezone: number', schedule({ timezone: 330 }), 'body.schedule.timezone'],
    ['schedule: unknown field', schedule({ second: 5 }), 'body.schedule.second'],
    ['config: NoSQL operator', create({ config: { $gt: '' } }), 'body.config.$gt'],
    [
      'config: completed status',
      create({ config: { include_statuses: ['completed'] } }),
      'body.config.include_statuses',
    ],
    ['config: statuses as string', create({ config: { include_statuses: 'pending' } }), 'body.config.include_statuses'],
    ['config: no statuses', create({ config: { include_statuses: [] } }), 'body.config.include_statuses'],
    ['config: bad user id', create({ config: { user_ids: ['not-a-uuid'] } }), 'body.config.user_ids'],
    ['config: injected user id', create({ config: { user_ids: ["'; DROP TABLE tasks; --"] } }), 'body.config.user_ids'],
    ['config: boolean as string', create({ config: { update_to_today: 'yes' } }), 'body.config.update_to_today'],
    ['config: array', create({ config: [] }), 'body.config'],
    ['config: string', create({ config: 'x' }), 'body.config'],
    ['config: null', create({ config: null }), 'body.config'],
    [
      'config: deeply nested',
      `{"name":"fault_probe","implementation":"${NAME}","config":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
      'body.config.x',
    ],
    ['enabled: "maybe"', create({ enabled: 'maybe' }), 'body.enabled'],
    ['description: 1001 characters', create({ description: 'x'.repeat(1001) }), 'body.description'],
    ['unknown field', create({ owner: 'root' }), 'body.owner'],
    ['name: non-ASCII', create({ name: 'ñame_process' }), 'body.name'],
    ['name: emoji', create({ name: 'process_😀' }), 'body.name'],
    ['name: RTL', create({ name: 'فرآیند_روزانه' }), 'body.name'],
    ['name: NUL byte', create({ name: 'fault\u0000probe' }), 'body.name'],
    ['name: SQL injection', create({ name: "x'; DROP TABLE tasks; --" }), 'body.name'],
    ['description: NUL byte', create({ description: 'bad\u0000description' }), 'body.description'],
  ];
  for (const [label, payload, field] of createCases) {
    add({
      label: `create: ${label}`,
      method: 'POST',
      url: '/processes',
      payload,
      field,
      headers: typeof payload === 'string' ? json : undefined,
    });
  }
  // Raw JSON: numbers JSON.stringify cannot write.
  for (const [label, hour] of [
    ['1e309', '1e309'],
    ['-1e309', '-1e309'],
    ['2^53 + 1', '9007199254740993'],
    ['1e400 as an integer literal', `1${'0'.repeat(400)}`],
  ] as const) {
    add({
      label: `create: hour ${label}`,
      method: 'POST',
      url: '/processes',
      headers: json,
      payload: `{"name":"fault_probe","implementation":"${NAME}","schedule":{"hour":${hour},"minute":0,"timezone":"UTC"}}`,
      field: 'body.schedule.hour',
    });
  }

  // --- bodies that are not JSON objects, on every route that takes one
  const bodyRoutes: { method: Method; url: string; bodyOptional?: true }[] = [
    { method: 'POST', url: '/processes' },
    { method: 'PATCH', url: `/processes/${NAME}` },
    { method: 'POST', url: `/processes/${NAME}/pause`, bodyOptional: true },
    { method: 'POST', url: `/processes/${PAUSED}/resume`, bodyOptional: true },
    { method: 'POST', url: `/processes/${NAME}/trigger`, bodyOptional: true },
    { method: 'POST', url: `/processes/${NAME}/backfill` },
  ];
  // Where a content type might be accepted after all, the body is still invalid for every route:
  // a request whose only fault is its content type must not be able to change anything.
  const UNKNOWN_FIELD = '{"zzz_unknown": 1}';
  const rawBodies: [string, string, Record<string, string>][] = [
    ['malformed JSON (cut short)', '{"name": ', json],
    ['malformed JSON (unquoted keys)', '{name: "x"}', json],
    ['malformed JSON (single quotes)', "{'note': 'x'}", json],
    ['malformed JSON (trailing brace)', '{"note": "x"}}', json],
    ['malformed JSON (NaN)', '{"note": NaN}', json],
    ['malformed JSON (NUL)', '\u0000', json],
    ['empty JSON body', '', json],
    ['JSON array', '[]', json],
    ['JSON string', '"x"', json],
    ['JSON number', '42', json],
    ['prototype pollution (__proto__)', '{"__proto__": {"admin": true}}', json],
    ['prototype pollution (constructor)', '{"constructor": {"prototype": {"admin": true}}}', json],
    ['huge body (70 KiB)', JSON.stringify({ note: 'x'.repeat(70 * 1024) }), json],
    ['huge body (2 MiB)', JSON.stringify({ note: 'x'.repeat(2 * 1024 * 1024) }), json],
    ['text/plain', UNKNOWN_FIELD, { 'content-type': 'text/plain' }],
    ['form-urlencoded', 'zzz_unknown=1', { 'content-type': 'application/x-www-form-urlencoded' }],
    [
      'multipart',
      '--b\r\nContent-Disposition: form-data; name="zzz_unknown"\r\n\r\n1\r\n--b--',
      { 'content-type': 'multipart/form-data; boundary=b' },
    ],
    ['XML', '<zzz_unknown>1</zzz_unknown>', { 'content-type': 'application/xml' }],
    ['JSON as latin1', UNKNOWN_FIELD, { 'content-type': 'application/json; charset=latin1' }],
    ['made-up content type', UNKNOWN_FIELD, { 'content-type': 'application/jsonx' }],
    ['garbage content type', UNKNOWN_FIELD, { 'content-type': '\u00e9\u00e9' }],
  ];
  for (const route of bodyRoutes) {
    for (const [label, payload, headers] of rawBodies) {
      // An empty JSON body is no body: what pause, resume and trigger take.
      if (route.bodyOptional && payload === '') continue;
      add({ label: `body: ${label}`, method: route.method, url: route.url, payload, headers });
    }
  }
  // What a page on another site can make a browser send without a preflight: no body and no content
  // type (a no-cors fetch), or an empty form. Refused on every write, naming the header.
  for (const route of [...bodyRoutes, { method: 'DELETE' as const, url: `/processes/${NAME}` }]) {
    const field = 'headers.content-type';
    add({ label: 'cross-site: no content type', method: route.method, url: route.url, noContentType: true, field });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      add({
        label: `cross-site: empty ${type}`,
        method: route.method,
        url: route.url,
        payload: '',
        headers: { 'content-type': type },
        field,
      });
    }
  }
  add({
    label: 'body: malformed JSON on DELETE',
    method: 'DELETE',
    url: `/processes/${NAME}`,
    payload: '{"x": ',
    headers: json,
  });

  // --- PATCH /processes/:name
  const patchCases: [string, object | string, string | undefined][] = [
    ['empty object', {}, 'body'],
    ['hour: 25', { schedule: { hour: 25 } }, 'body.schedule.hour'],
    ['hour: -1', { schedule: { hour: -1 } }, 'body.schedule.hour'],
    ['minute: 2^53', { schedule: { minute: 2 ** 53 } }, 'body.schedule.minute'],
    ['timezone: unknown', { schedule: { timezone: 'Nowhere/City' } }, 'body.schedule.timezone'],
    ['timezone: RTL', { schedule: { timezone: 'آسیا/تهران' } }, 'body.schedule.timezone'],
    ['schedule: null', { schedule: null }, 'body.schedule'],
    ['schedule: unknown field', { schedule: { days: [1, 2] } }, 'body.schedule.days'],
    ['enabled: "x"', { enabled: 'x' }, 'body.enabled'],
    ['enabled: null', { enabled: null }, 'body.enabled'],
    ['config: NoSQL operator', { config: { $gt: '' } }, 'body.config.$gt'],
    ['config: no statuses', { config: { include_statuses: [] } }, 'body.config.include_statuses'],
    ['config: negative user ids', { config: { user_ids: -1 } }, 'body.config.user_ids'],
    ['description: number', { description: 5 }, 'body.description'],
    ['description: 1001 characters', { description: 'x'.repeat(1001) }, 'body.description'],
    ['description: NUL byte', { description: 'bad\u0000description' }, 'body.description'],
    ['rename', { name: 'renamed_process' }, 'body.name'],
    ['implementation', { implementation: PAUSED }, 'body.implementation'],
    ['hour 1e309', '{"schedule": {"hour": 1e309}}', 'body.schedule.hour'],
    ['concurrency: key outside event.data', { concurrency: { limit: 1, key: 'event.name' } }, 'body.concurrency.key'],
    ['concurrency: limit 101', { concurrency: { limit: 101 } }, 'body.concurrency.limit'],
    ['concurrency: unknown field', { concurrency: { limit: 1, per: 'user' } }, 'body.concurrency.per'],
    ['overlap: null', { overlap: null }, 'body.overlap'],
  ];
  for (const [label, payload, field] of patchCases) {
    add({
      label: `patch: ${label}`,
      method: 'PATCH',
      url: `/processes/${NAME}`,
      payload,
      field,
      headers: typeof payload === 'string' ? json : undefined,
    });
  }

  // --- POST /events
  const eventCases: [string, object | string, string | undefined][] = [
    ['no name', { id: 'evt-fault' }, 'body.name'],
    ['no id', { name: 'user.day_started' }, 'body.id'],
    ['empty id', { name: 'user.day_started', id: '' }, 'body.id'],
    ['id of 201 characters', { name: 'user.day_started', id: 'x'.repeat(201) }, 'body.id'],
    ['data a list', { name: 'user.day_started', id: 'evt-fault', data: [] }, 'body.data'],
    [
      'data over 64 KiB',
      { name: 'user.day_started', id: 'evt-fault', data: { big: 'x'.repeat(64 * 1024) } },
      undefined,
    ],
    ['unknown field', { name: 'user.day_started', id: 'evt-fault', extra: true }, 'body.extra'],
    ['name: number', { name: 5, id: 'evt-fault' }, 'body.name'],
  ];
  for (const [label, payload, field] of eventCases) {
    add({ label: `events: ${label}`, method: 'POST', url: '/events', payload, field });
  }

  // --- pause / resume
  for (const [action, name] of [
    ['pause', NAME],
    ['resume', PAUSED],
  ] as const) {
    for (const [label, payload, field] of [
      ['note: empty', { note: '' }, 'body.note'],
      ['note: 501 characters', { note: 'x'.repeat(501) }, 'body.note'],
      ['note: number', { note: 5 }, 'body.note'],
      ['note: null', { note: null }, 'body.note'],
      ['note: object', { note: { $gt: '' } }, 'body.note'],
      ['unknown field', { note: 'x', force: true }, 'body.force'],
    ] as const) {
      add({ label: `${action}: ${label}`, method: 'POST', url: `/processes/${name}/${action}`, payload, field });
    }
  }

  // --- trigger
  const trigger = `/processes/${NAME}/trigger`;
  for (const [label, query] of [
    ['wait=maybe', 'wait=maybe'],
    ['wait=1e309', 'wait=1e309'],
    ['wait=-1', 'wait=-1'],
    ['wait twice', 'wait=true&wait=false'],
    ['wait=NUL', 'wait=%00'],
  ] as const) {
    add({ label: `trigger: ${label}`, method: 'POST', url: `${trigger}?${query}`, field: 'querystring.wait' });
  }
  add({
    label: 'trigger: unknown query parameter',
    method: 'POST',
    url: `${trigger}?force=1`,
    field: 'querystring.force',
  });
  for (const [label, key] of [
    ['201 characters', 'k'.repeat(201)],
    ['5000 characters', 'k'.repeat(5000)],
    ['SQL injection', "'; DROP TABLE tasks; --"],
    ['space', 'my key'],
    ['latin1 letter', 'cl\u00e9'],
    ['empty', ''],
    ['slash', 'a/b'],
  ] as const) {
    add({
      label: `trigger: Idempotency-Key ${label}`,
      method: 'POST',
      url: trigger,
      headers: { 'idempotency-key': key },
      field: 'headers.idempotency-key',
    });
  }
  add({ label: 'trigger: body with a field', method: 'POST', url: trigger, payload: { force: true }, field: 'body' });

  // --- backfill
  const backfill = `/processes/${NAME}/backfill`;
  const now = Date.now();
  for (const [label, payload, field] of [
    ['missing start and end', {}, 'body.start'],
    ['words', { start: 'yesterday', end: 'today' }, 'body.start'],
    ['numbers', { start: 123, end: 456 }, 'body.start'],
    ['end before start', { start: iso(now - DAY), end: iso(now - 2 * DAY) }, 'body.end'],
    ['equal start and end', { start: iso(now - DAY), end: iso(now - DAY) }, 'body.end'],
    ['40 days', { start: iso(now - 41 * DAY), end: iso(now - DAY) }, 'body.end'],
    ['end in the future', { start: iso(now - DAY), end: iso(now + DAY) }, 'body.end'],
    ['unknown field', { start: iso(now - 2 * DAY), end: iso(now - DAY), overlap: 'ALLOW_ALL' }, 'body.overlap'],
    ['leap second', { start: '2026-06-30T23:59:60Z', end: iso(now - DAY) }, 'body.start'],
    ['month 13', { start: '2026-13-01T00:00:00Z', end: iso(now - DAY) }, 'body.start'],
    ['February 30', { start: '2026-02-30T00:00:00Z', end: '2026-03-02T00:00:00Z' }, 'body.start'],
    ['no zone', { start: '2026-01-01T00:00:00', end: '2026-01-02T00:00:00' }, 'body.start'],
    ['NUL byte', { start: `${iso(now - 2 * DAY)}\u0000`, end: iso(now - DAY) }, 'body.start'],
    ['string 1e309', { start: '1e309', end: iso(now - DAY) }, 'body.start'],
    ['SQL injection', { start: "2026-01-01'; DROP TABLE tasks; --", end: iso(now - DAY) }, 'body.start'],
    ['year 275760+', { start: '+275760-09-14T00:00:00Z', end: iso(now - DAY) }, 'body.start'],
  ] as const) {
    add({ label: `backfill: ${label}`, method: 'POST', url: backfill, payload, field });
  }
  add({
    label: 'backfill: start 1e309',
    method: 'POST',
    url: backfill,
    headers: json,
    payload: `{"start": 1e309, "end": "${iso(now - DAY)}"}`,
    field: 'body.start',
  });

  // --- GET /processes/:name/executions
  const executions = `/processes/${NAME}/executions`;
  for (const [label, query, field, maySucceed] of [
    ['limit=-1', 'limit=-1', 'querystring.limit', false],
    ['limit=0', 'limit=0', 'querystring.limit', false],
    ['limit=101', 'limit=101', 'querystring.limit', false],
    ['limit=2^53', 'limit=9007199254740992', 'querystring.limit', false],
    ['limit=1e309', 'limit=1e309', 'querystring.limit', false],
    ['limit=-1e309', 'limit=-1e309', 'querystring.limit', false],
    ['limit=1.5', 'limit=1.5', 'querystring.limit', false],
    ['limit=abc', 'limit=abc', 'querystring.limit', false],
    ['limit empty', 'limit=', 'querystring.limit', false],
    ['limit twice', 'limit=1&limit=2', 'querystring.limit', false],
    ['status unknown', 'status=exploded', 'querystring.status', false],
    ['status injection', `status=${enc("completed' OR '1'='1")}`, 'querystring.status', false],
    ['from: words', 'from=yesterday', 'querystring.from', false],
    ['to: month 13', 'to=2026-13-01T00:00:00Z', 'querystring.to', false],
    ['from after to', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'querystring.to', false],
    ['from: NUL', `from=${enc('2026-01-01T00:00:00Z\u0000')}`, 'querystring.from', false],
    ['from: year 0000', 'from=0000-01-01T00:00:00Z', undefined, true],
    ['to: year 9999', 'to=9999-12-31T23:59:59Z', undefined, true],
    ['unknown parameter', 'sort=name', 'querystring.sort', false],
    ['NoSQL operator', `status[$ne]=completed`, 'querystring', false],
    ['cursor: not base64url', 'cursor=!!!', 'querystring.cursor', false],
    ['cursor: 201 characters', `cursor=${'A'.repeat(201)}`, 'querystring.cursor', false],
    ['cursor: garbage', `cursor=${b64('garbage')}`, 'querystring.cursor', false],
    ['cursor: injection', `cursor=${b64("2026-01-01T00:00:00.000000Z|' OR 1=1 --")}`, 'querystring.cursor', false],
    [
      'cursor: February 30',
      `cursor=${b64('2026-02-30T00:00:00.000000Z|6f1c2d9e-8a7b-4c3d-9e8f-7a6b5c4d3e2f')}`,
      'querystring.cursor',
      false,
    ],
    [
      'cursor: year 0000',
      `cursor=${b64('0000-01-01T00:00:00.000000Z|6f1c2d9e-8a7b-4c3d-9e8f-7a6b5c4d3e2f')}`,
      'querystring.cursor',
      false,
    ],
    // PostgreSQL reads 24:00:00 as the next midnight: a forged cursor, but a harmless one.
    [
      'cursor: hour 24',
      `cursor=${b64('2026-01-01T24:00:00.000000Z|6f1c2d9e-8a7b-4c3d-9e8f-7a6b5c4d3e2f')}`,
      undefined,
      true,
    ],
    ['cursor: of the task list', `cursor=${tasksCursor}`, 'querystring.cursor', false],
    ['cursor: cut short', `cursor=${executionsCursor.slice(0, -3)}`, 'querystring.cursor', false],
  ] as const) {
    add({ label: `executions: ${label}`, method: 'GET', url: `${executions}?${query}`, field, maySucceed });
  }

  // --- GET /executions/:id and /executions/:id/tasks
  for (const [label, id, invalid] of BAD_IDS) {
    add({
      label: `execution id: ${label}`,
      method: 'GET',
      url: `/executions/${enc(id)}`,
      field: invalid ? 'params.id' : undefined,
    });
    add({
      label: `execution id (tasks): ${label}`,
      method: 'GET',
      url: `/executions/${enc(id)}/tasks`,
      field: invalid ? 'params.id' : undefined,
    });
  }
  const tasks = `/executions/${executionId}/tasks`;
  for (const [label, query, field] of [
    ['cursor: 0', `cursor=${b64('0')}`, 'querystring.cursor'],
    ['cursor: negative', `cursor=${b64('-1')}`, 'querystring.cursor'],
    ['cursor: past bigint', `cursor=${b64('9999999999999999999')}`, 'querystring.cursor'],
    ['cursor: 2^63', `cursor=${b64('9223372036854775808')}`, 'querystring.cursor'],
    ['cursor: injection', `cursor=${b64('1 OR 1=1')}`, 'querystring.cursor'],
    ['cursor: of the executions list', `cursor=${executionsCursor}`, 'querystring.cursor'],
    ['cursor: not base64url', 'cursor=%2F%2F%2F', 'querystring.cursor'],
    ['limit=1e309', 'limit=1e309', 'querystring.limit'],
    ['limit=-1', 'limit=-1', 'querystring.limit'],
    ['unknown parameter', 'status=completed', 'querystring.status'],
  ] as const) {
    add({ label: `tasks: ${label}`, method: 'GET', url: `${tasks}?${query}`, field });
  }

  // --- public routes: nothing to break, nothing to leak
  for (const [label, method, url] of [
    ['POST /health', 'POST', '/health'],
    ['DELETE /ready', 'DELETE', '/ready'],
    ['PUT /openapi.json', 'PUT', '/openapi.json'],
    ['docs path traversal', 'GET', '/docs/static/..%2F..%2F..%2F..%2Fpackage.json'],
    ['docs NUL byte', 'GET', '/docs/static/%00'],
  ] as const) {
    add({ label: `public: ${label}`, method, url, noAuth: true });
  }

  // --- wrong types a lenient validator might coerce into valid ones; last, as they would change state
  add({
    label: 'coercion: name as a one-element array',
    method: 'POST',
    url: '/processes',
    payload: create({ name: ['fault_coerced'], schedule: null }),
    field: 'body.name',
  });
  add({
    label: 'coercion: hour as a string',
    method: 'PATCH',
    url: `/processes/${PAUSED}`,
    payload: { schedule: { hour: '8' } },
    field: 'body.schedule.hour',
  });
  add({
    label: 'coercion: enabled as a string',
    method: 'PATCH',
    url: `/processes/${PAUSED}`,
    payload: { enabled: 'true' },
    field: 'body.enabled',
  });
  return list;
}

// ---------------------------------------------------------------- the test

interface Failure {
  readonly request: string;
  readonly status: number;
  readonly problem: string;
  readonly body: string;
}

/** JSON with object keys sorted: Temporal returns memo fields in no particular order. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function diff(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys({ ...before, ...after }).filter((k) => stable(before[k]) !== stable(after[k]));
}

function describeRequest(r: BadRequest): string {
  const url = r.url.length > 120 ? `${r.url.slice(0, 120)}…` : r.url;
  return `${r.label} — ${r.method} ${url}`;
}

/** What is wrong with the answer to a bad request, if anything. */
function problemWith(r: BadRequest, status: number, contentType: string, text: string): string | undefined {
  if (status >= 500) return `5xx${causeOf(text)}`;
  if (r.maySucceed && status < 300) return undefined;
  if (status < 400) return 'not rejected';
  if (!contentType.startsWith('application/json')) return `content-type ${contentType}`;
  let body: { message?: unknown };
  try {
    body = JSON.parse(text) as { message?: unknown };
  } catch {
    return 'body is not JSON';
  }
  if (typeof body.message !== 'string' || body.message.trim() === '') return 'no message';
  if (r.field !== undefined && !body.message.includes(r.field)) return `message does not name ${r.field}`;
  return undefined;
}

it('every bad request gets a 4xx with a clear JSON message, and changes nothing', async () => {
  const started = Date.now();
  const requests = corpus();
  const dbBefore = await databaseSnapshot();
  const temporalBefore = await temporalSnapshot();

  const failures: Failure[] = [];
  const statuses: Record<string, number> = {};
  const changes: string[] = [];
  let lastDb = dbBefore;
  let lastTemporal = temporalBefore;
  for (const r of requests) {
    // As a client does: writes say they are JSON (the API refuses any other), unless the case says otherwise.
    const headers = { ...(r.noAuth ? {} : AUTH), ...(r.method === 'GET' || r.noContentType ? {} : json), ...r.headers };
    try {
      const response = await app.inject({
        method: r.method,
        url: r.url,
        headers,
        ...(r.payload === undefined ? {} : { payload: r.payload }),
      });
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      const problem = problemWith(
        r,
        response.statusCode,
        String(response.headers['content-type'] ?? ''),
        response.body,
      );
      if (problem !== undefined) {
        failures.push({
          request: describeRequest(r),
          status: response.statusCode,
          problem,
          body: response.body.slice(0, 300),
        });
      }
    } catch (error) {
      failures.push({ request: describeRequest(r), status: 0, problem: `inject threw: ${String(error)}`, body: '' });
    }
    // After each request that could write: did it change anything?
    if (r.method !== 'GET') {
      const db = await databaseSnapshot();
      const temporal = await temporalSnapshot();
      const changed = [...diff(lastDb, db), ...diff(lastTemporal, temporal)];
      if (changed.length > 0) changes.push(`${describeRequest(r)} changed ${changed.join(', ')}`);
      lastDb = db;
      lastTemporal = temporal;
    }
  }

  const changedTables = diff(dbBefore, await databaseSnapshot());
  const changedTemporal = diff(temporalBefore, await temporalSnapshot());
  report(
    FILE,
    `${requests.length} bad requests in ${seconds(Date.now() - started)} s; statuses ${JSON.stringify(statuses)}; ` +
      `${failures.length} failed the checks; database changes: ${JSON.stringify(changedTables)}; ` +
      `Temporal changes: ${JSON.stringify(changedTemporal)}` +
      failures.map((f) => `\n  ${f.status} ${f.problem}: ${f.request}\n      ${f.body}`).join('') +
      changes.map((c) => `\n  CHANGE: ${c}`).join(''),
  );
  expect(failures).toEqual([]);
  expect(changes).toEqual([]);
  expect(changedTables).toEqual([]);
  expect(changedTemporal).toEqual([]);
  expect(requests.length).toBeGreaterThan(300);
}, 600_000);
