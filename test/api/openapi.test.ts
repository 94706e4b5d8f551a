import type { App } from '../../api/app';
import { sendWritesAsJson } from '../../api/plugins/openapi';
import { buildTestApi, type TestApi } from './helpers';

interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { required?: string[] }>; securitySchemes: Record<string, unknown> };
  security: unknown[];
}

interface Route {
  readonly method: string;
  readonly url: string;
}

/**
 * Every route the app answers, from Fastify's own route tree (`printRoutes`): each line is a path
 * segment, indented by 4 characters per level, with the methods of the route that ends there.
 */
function registeredRoutes(app: App): Route[] {
  const routes: Route[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    segments.length = depth;
    segments.push(match[2] ?? '');
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url: segments.join('') });
  }
  return routes;
}

const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const toFastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** The docs themselves (the document, Swagger UI and its assets) are not part of what they describe. */
const isDocs = (url: string) => url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/');
/** The operator's console (api/ui): HTML pages and forms, not operations of the JSON API. */
const isConsole = (url: string) => url === '/ui' || url.startsWith('/ui/');
/** Prometheus's text format for a scraper (api/routes/metrics.ts), not an operation of the JSON API. */
const isMetrics = (url: string) => url === '/metrics';

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

let api: TestApi;
let doc: Document;
let routes: Route[];
beforeAll(async () => {
  api = await buildTestApi();
  const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  // HEAD routes are Fastify's automatic twins of GET routes; the document leaves them out.
  routes = registeredRoutes(api.app).filter(
    (r) => r.method !== 'HEAD' && !isDocs(r.url) && !isConsole(r.url) && !isMetrics(r.url),
  );
});
afterAll(async () => {
  await api?.close();
});

test('the route listing is read correctly', () => {
  const all = registeredRoutes(api.app);
  expect(all).toEqual(
    expect.arrayContaining([
      { method: 'GET', url: '/health' },
      { method: 'GET', url: '/docs/json' },
    ]),
  );
  // (Swagger UI's static routes carry constraints hasRoute does not match; HEAD routes are their GET's twins.)
  for (const route of all.filter((r) => r.method !== 'HEAD' && !isDocs(r.url))) {
    expect([route, api.app.hasRoute(route)]).toEqual([route, true]);
  }
});

test('/openapi.json is an OpenAPI 3 document, the same Swagger UI loads', async () => {
  expect(doc.openapi).toMatch(/^3\./);
  expect(doc.info.title).toBe('Behflow Processes API');
  expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  expect(doc.security).toEqual([{ bearer: [] }]);
  const ui = await api.app.inject({ method: 'GET', url: '/docs/json' });
  expect(ui.json()).toEqual(doc);
});

test('every route is in the document, and nothing else is', () => {
  const registered = routes.map((r) => `${r.method} ${toOpenApiPath(r.url)}`).sort();
  const documented = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  expect(documented).toEqual(registered);
  expect(registered).toEqual(expect.arrayContaining(['GET /health', 'GET /ready']));
  for (const key of documented) {
    const [method = '', path = ''] = key.split(' ');
    expect(api.app.hasRoute({ method, url: toFastifyPath(path) })).toBe(true);
  }
});

test('every operation has a summary and a schema for its success response', () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect([where, typeof op.summary === 'string' && op.summary.length > 0]).toEqual([where, true]);
      const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      expect([where, success.length]).not.toEqual([where, 0]);
      for (const [code, response] of success) {
        if (code === '204') {
          expect([where, response.content]).toEqual([where, undefined]);
        } else {
          expect([where, code, response.content?.['application/json']?.schema]).toEqual([
            where,
            code,
            expect.any(Object),
          ]);
        }
      }
      const errors = Object.entries(op.responses ?? {}).filter(([code]) => /^[45]\d\d$/.test(code));
      for (const [code, response] of errors) {
        if (path === '/ready') continue; // its 503 says which dependency is down, in its own shape
        // The shared Error schema, or an extension of it (e.g. a 409 that also carries the running execution).
        const schema = response.content?.['application/json']?.schema as { $ref?: string; required?: string[] };
        const shape = schema?.$ref ?? schema?.required?.slice(0, 4).join(',');
        expect([where, code, shape]).toEqual([
          where,
          code,
          expect.stringMatching(/^(#\/components\/schemas\/Error|statusCode,code,error,message)$/),
        ]);
      }
    }
  }
});

test('what the document says about the token is what the routes do', async () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`;
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      expect([where, op.security]).toEqual([where, isPublic ? [] : undefined]);
      if (!isPublic) expect([where, Object.keys(op.responses ?? {})]).toEqual([where, expect.arrayContaining(['401'])]);
      const url = path.replace(/\{\w+\}/g, 'no_such_thing');
      const res = await api.app.inject({ method: method.toUpperCase() as 'GET', url });
      expect([where, res.statusCode === 401]).toEqual([where, !isPublic]);
    }
  }
});

test('path parameters are documented', () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(ops)) {
      const documented = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect([`${method} ${path}`, documented.sort()]).toEqual([`${method} ${path}`, names.sort()]);
    }
  }
});

test('every $ref resolves; the shared Error schema is there', () => {
  const refs = refsIn(doc);
  expect(refs).toContain('#/components/schemas/Error');
  for (const ref of refs) {
    expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z][\w.-]*$/);
    expect([ref, doc.components.schemas[ref.split('/').pop() ?? '']]).toEqual([ref, expect.any(Object)]);
  }
  expect(doc.components.schemas.Error?.required).toEqual(['statusCode', 'code', 'error', 'message']);
});

test('Swagger UI: the page and everything it loads', async () => {
  const page = await api.app.inject({ method: 'GET', url: '/docs' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  const assets = [...page.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] ?? '');
  expect(assets).toEqual(expect.arrayContaining(['/docs/static/swagger-ui-bundle.js']));
  for (const asset of assets) {
    const res = await api.app.inject({ method: 'GET', url: asset });
    expect([asset, res.statusCode]).toEqual([asset, 200]);
  }
});

test('Swagger UI sends its writes as JSON, as the API requires (trigger and DELETE have no body to type)', async () => {
  const initializer = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
  expect(initializer.statusCode).toBe(200);
  expect(initializer.body).toContain(`"requestInterceptor":${sendWritesAsJson.toString()}`);
  expect(sendWritesAsJson({ method: 'post', headers: {} }).headers).toEqual({ 'Content-Type': 'application/json' });
  expect(sendWritesAsJson({ method: 'DELETE' }).headers).toEqual({ 'Content-Type': 'application/json' });
  const typed = { 'content-type': 'application/json; charset=utf-8' };
  expect(sendWritesAsJson({ method: 'PATCH', headers: { ...typed } }).headers).toEqual(typed);
  expect(sendWritesAsJson({ method: 'GET', headers: {} }).headers).toEqual({});
});
