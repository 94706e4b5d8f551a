import net from 'node:net';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { buildApp, type App } from '../../api/app';
import { bearerToken } from '../../api/plugins/auth';
import { READY_CHECK_TIMEOUT_MS } from '../../api/routes/health';
import { buildServer } from '../../api/server';
import { loadConfig } from '../../config';
import { initORM, type Orm } from '../../db/orm';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { AUTH, buildTestApi, TEST_TOKEN, type TestApi } from './helpers';

/** A TCP stand-in for PostgreSQL that forwards to the real one until told to refuse or to hang. */
async function pgProxy(
  target: URL,
): Promise<{ url: string; mode(m: 'forward' | 'hang' | 'down'): void; close(): void }> {
  let mode: 'forward' | 'hang' | 'down' = 'forward';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (mode === 'hang') return; // accept and never answer
    if (mode === 'down') return void client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    mode(m) {
      mode = m;
      for (const s of sockets) s.destroy(); // open connections break, as when a server goes away
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Accepts TCP connections and never says a word: a server that hangs. */
async function silentServer(): Promise<{ address: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('GET /health and GET /ready', () => {
  test('/health answers without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  test('/ready answers 200 when PostgreSQL and Temporal both answer', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ status: 'ready', checks: { postgresql: 'up', temporal: 'up' } });
  });

  describe('with a dependency down', () => {
    const closers: (() => unknown)[] = [];
    // knex prints "Connection Error: Connection ended unexpectedly" when the proxy drops its connections.
    beforeAll(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
    afterAll(async () => {
      jest.restoreAllMocks();
      for (const close of closers.reverse()) await close();
    });

    async function appWith(deps: { orm?: Orm; temporalAddress?: string }): Promise<App> {
      // The client retries an unavailable server as in production, every 100 ms (the default backs off up to
      // 5 s), so no retry is still pending when the test closes the connection.
      const interceptors = [
        makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ factor: 1, initialIntervalMs: () => 100 })),
      ];
      const client = deps.temporalAddress
        ? new Client({ connection: Connection.lazy({ address: deps.temporalAddress, interceptors }) })
        : api.temporal.client;
      if (deps.temporalAddress) {
        closers.push(async () => {
          await new Promise((resolve) => setTimeout(resolve, 500));
          await client.connection.close();
        });
      }
      const app = await buildApp(
        { orm: deps.orm ?? api.db.orm, client, config: api.config, registry: PROCESS_REGISTRY },
        { logger: false },
      );
      closers.push(() => app.close());
      await app.ready(); // so the timings below measure /ready, not the boot
      return app;
    }

    async function ready(app: App): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
      const started = Date.now();
      const res = await app.inject({ method: 'GET', url: '/ready' });
      return { status: res.statusCode, body: res.json(), ms: Date.now() - started };
    }

    test('Temporal refusing connections: 503 naming Temporal, no internals', async () => {
      const app = await appWith({ temporalAddress: '127.0.0.1:1' });
      const res = await ready(app);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: 'unavailable',
        checks: { postgresql: 'up', temporal: 'down' },
        message: 'Temporal cannot be reached',
      });
      expect(res.ms).toBeLessThan(READY_CHECK_TIMEOUT_MS + 1_500);
    });

    test('Temporal hanging: 503 after the check timeout, not the client’s own', async () => {
      const silent = await silentServer();
      closers.push(() => silent.close());
      const app = await appWith({ temporalAddress: silent.address });
      const res = await ready(app);
      expect(res.status).toBe(503);
      expect(res.body.checks).toEqual({ postgresql: 'up', temporal: 'down' });
      expect(res.ms).toBeGreaterThanOrEqual(READY_CHECK_TIMEOUT_MS - 100);
      expect(res.ms).toBeLessThan(READY_CHECK_TIMEOUT_MS + 1_500);
    });

    test('PostgreSQL gone, then hanging, then back', async () => {
      const proxy = await pgProxy(new URL(api.db.url));
      closers.push(() => proxy.close());
      const orm = await initORM(proxy.url, { poolMax: 2 });
      closers.push(() => orm.close());
      const app = await appWith({ orm });
      expect((await ready(app)).status).toBe(200);

      proxy.mode('down');
      const down = await ready(app);
      expect(down.status).toBe(503);
      expect(down.body).toEqual({
        status: 'unavailable',
        checks: { postgresql: 'down', temporal: 'up' },
        message: 'PostgreSQL cannot be reached',
      });
      expect(JSON.stringify(down.body)).not.toMatch(/ECONN|127\.0\.0\.1|postgres:\/\//);

      proxy.mode('hang');
      const hanging = await ready(app);
      expect(hanging.status).toBe(503);
      expect(hanging.body.checks).toEqual({ postgresql: 'down', temporal: 'up' });
      expect(hanging.ms).toBeLessThan(READY_CHECK_TIMEOUT_MS + 1_500);

      proxy.mode('forward');
      expect((await ready(app)).status).toBe(200);
    });

    test('both down: the message names both', async () => {
      const proxy = await pgProxy(new URL(api.db.url));
      closers.push(() => proxy.close());
      const orm = await initORM(proxy.url, { poolMax: 2 });
      closers.push(() => orm.close());
      const app = await appWith({ orm, temporalAddress: '127.0.0.1:1' });
      proxy.mode('down');
      const res = await ready(app);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: 'unavailable',
        checks: { postgresql: 'down', temporal: 'down' },
        message: 'PostgreSQL and Temporal cannot be reached',
      });
    });
  });
});

describe('bearer token', () => {
  /** Any route that needs the token; /processes once it exists, else the 404 behind the check. */
  const protectedUrl = '/processes';

  test.each([
    ['no Authorization header', {}],
    ['another scheme', { authorization: `Basic ${Buffer.from(`user:${TEST_TOKEN}`).toString('base64')}` }],
    ['the token without a scheme', { authorization: TEST_TOKEN }],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }],
    ['a prefix of the token', { authorization: `Bearer ${TEST_TOKEN.slice(0, -1)}` }],
    ['the token and more', { authorization: `Bearer ${TEST_TOKEN}x` }],
    ['an empty token', { authorization: 'Bearer ' }],
  ])('%s: 401 with the error shape', async (_, headers) => {
    const res = await api.app.inject({ method: 'GET', url: protectedUrl, headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toMatchObject({
      statusCode: 401,
      code: 'UNAUTHORIZED',
      message: 'Send the API token as "Authorization: Bearer <API_TOKEN>"',
    });
    expect(res.body).not.toContain(TEST_TOKEN);
  });

  test('the right token passes the check', async () => {
    const res = await api.app.inject({ method: 'GET', url: protectedUrl, headers: AUTH });
    expect(res.statusCode).not.toBe(401);
    // The scheme is case-insensitive (RFC 9110).
    const lower = await api.app.inject({
      method: 'GET',
      url: protectedUrl,
      headers: { authorization: `bearer ${TEST_TOKEN}` },
    });
    expect(lower.statusCode).toBe(res.statusCode);
  });

  test('unknown paths answer 401 without the token, 404 with it', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/no-such-route' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/no-such-route', headers: AUTH })).statusCode).toBe(404);
  });

  test('a body is not read before the check', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/processes', payload: { name: 'anything' } });
    expect(res.statusCode).toBe(401);
  });

  test.each(['/health', '/ready', '/openapi.json', '/docs', '/docs/json', '/docs/static/swagger-ui.css'])(
    '%s is public',
    async (url) => {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
    },
  );

  test('/docs-like paths are not public', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/docsx' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/openapi.json/x' })).statusCode).toBe(401);
  });

  test('without API_TOKEN every route is open', async () => {
    const open = await buildApp(
      {
        orm: api.db.orm,
        client: api.temporal.client,
        config: { ...api.config, apiToken: undefined },
        registry: PROCESS_REGISTRY,
      },
      { logger: false },
    );
    try {
      const res = await open.inject({ method: 'GET', url: protectedUrl });
      expect(res.statusCode).not.toBe(401);
      expect((await open.inject({ method: 'GET', url: '/no-such-route' })).statusCode).toBe(404);
    } finally {
      await open.close();
    }
  });

  test('bearerToken parses the header', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('BEARER   abc ')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Bearerabc')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
  });
});

describe('API_TRUST_PROXY', () => {
  test.each([
    ['true', 'https', '203.0.113.7'],
    ['false', 'http', '127.0.0.1'],
  ])(
    '%s: the real server takes the protocol and address from X-Forwarded-* only when told to',
    async (trust, protocol, ip) => {
      const config = loadConfig({ ...process.env, API_TOKEN: TEST_TOKEN, API_TRUST_PROXY: trust }, PROCESS_REGISTRY);
      const app = await buildServer(
        { orm: api.db.orm, client: api.temporal.client, config, registry: PROCESS_REGISTRY },
        { write: () => undefined },
      );
      app.get('/test-protocol', async (request) => ({ protocol: request.protocol, ip: request.ip }));
      try {
        const res = await app.inject({
          method: 'GET',
          url: '/test-protocol',
          headers: {
            authorization: `Bearer ${TEST_TOKEN}`,
            'x-forwarded-proto': 'https',
            'x-forwarded-for': '203.0.113.7',
          },
        });
        expect(res.json()).toEqual({ protocol, ip });
      } finally {
        await app.close();
      }
    },
  );
});

describe('the server log', () => {
  test('never holds the token, right or wrong, wherever headers are logged', async () => {
    const lines: string[] = [];
    const wrong = 'wrong-token-fedcba9876543210';
    const config = loadConfig({ ...process.env, API_TOKEN: TEST_TOKEN, LOG_LEVEL: 'debug' }, PROCESS_REGISTRY);
    const app = await buildServer(
      { orm: api.db.orm, client: api.temporal.client, config, registry: PROCESS_REGISTRY },
      { write: (line: string) => void lines.push(line) },
    );
    // A careless route that logs the whole request and its headers, and one that fails.
    app.get('/test-log-headers', async (request) => {
      request.log.info({ req: request, headers: request.headers }, 'headers');
      request.log.info({ request: { headers: request.headers } }, 'nested headers');
      request.log.info({ config: request.server.deps.config }, 'config');
      return { ok: true };
    });
    app.get('/test-fail', async () => {
      throw new Error('boom');
    });
    try {
      const send = (url: string, authorization: string, extra: Record<string, string> = {}) =>
        app.inject({ method: 'GET', url, headers: { authorization, ...extra } });
      expect((await send('/test-log-headers', `Bearer ${TEST_TOKEN}`)).statusCode).toBe(200);
      expect((await send('/test-log-headers', `Bearer ${wrong}`)).statusCode).toBe(401);
      expect((await send('/test-fail', `Bearer ${TEST_TOKEN}`, { 'x-request-id': 'trace-42' })).statusCode).toBe(500);
      await send('/processes', `Bearer ${TEST_TOKEN}`);
      await send('/processes', `Bearer ${wrong}`);
      await send('/no-such-route', `Bearer ${TEST_TOKEN}`);
      await app.inject({
        method: 'POST',
        url: '/processes',
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
        payload: '{',
      });

      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(10);
      expect(log).toContain('"headers"');
      expect(log).toContain('[redacted]');
      expect(log).toContain('"reqId":"trace-42"');
      expect(log).not.toContain(TEST_TOKEN);
      expect(log).not.toContain(wrong);
      expect(log).not.toContain(TEST_TOKEN.slice(0, 12)); // not even a prefix of it
    } finally {
      await app.close();
    }
  });

  test('health checks are not logged per request', async () => {
    const lines: string[] = [];
    const app = await buildServer(
      { orm: api.db.orm, client: api.temporal.client, config: api.config, registry: PROCESS_REGISTRY },
      { write: (line: string) => void lines.push(line) },
    );
    try {
      await app.inject({ method: 'GET', url: '/health' });
      await app.inject({ method: 'GET', url: '/ready?x=1' });
      expect(lines.join('')).not.toMatch(/"url":"\/(health|ready)/);
      await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(lines.join('')).toContain('"url":"/openapi.json"');
    } finally {
      await app.close();
    }
  });
});
