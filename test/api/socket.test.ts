import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AUTH, buildTestApi, TEST_TOKEN, type TestApi } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '../..');

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('the app over a real socket', () => {
  let base: string;
  beforeAll(async () => {
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.app.server.address() as net.AddressInfo).port}`;
  });

  test('GET /health and GET /ready', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgresql: 'up', temporal: 'up' } });
  });

  test('401 without the token, with the error shape and a WWW-Authenticate header', async () => {
    const res = await fetch(`${base}/processes`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
  });

  test('an authorized GET /processes', async () => {
    const res = await fetch(`${base}/processes`, { headers: AUTH });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { name: string }[] };
    expect(body.items.map((p) => p.name)).toEqual(
      expect.arrayContaining(['archive_completed_tasks', 'reschedule_remaining_tasks']),
    );
  });

  test('the docs: page, an asset, the document', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('swagger-ui-bundle.js');
    const asset = await fetch(`${base}/docs/static/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    const doc = await fetch(`${base}/openapi.json`);
    expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });

  test('an unknown route with the token: 404 with the error shape', async () => {
    const res = await fetch(`${base}/no-such-route`, { headers: AUTH });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND', message: 'No route GET /no-such-route' });
  });
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ServerProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the output once it matches, rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** `npm run api` as a child process: tsx api/server.ts with the given environment, nothing else of ours. */
function startServer(env: Record<string, string>): ServerProcess {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'behflow-api-'));
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/api.ts'], {
    cwd: REPO_ROOT,
    // Every setting that matters is given, so a developer's .env or a running npm start changes nothing.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: dataDir,
      DATABASE_URL: api.db.url,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '',
      TEMPORAL_TASK_QUEUE: api.temporal.taskQueue,
      TEMPORAL_NAMESPACE: 'default',
      LOG_LEVEL: 'info',
      API_HOST: '127.0.0.1',
      API_TOKEN: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          done();
          resolve(output);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`exited with ${code} before ${pattern}; output:\n${output}`));
        });
        check();
      });
    },
  };
}

describe('npm run api (api/server.ts)', () => {
  const running: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of running.splice(0)) {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await server.exited;
    }
  });

  /** A non-loopback IPv4 address of this machine, if it has one. */
  function externalAddress(): string | undefined {
    return Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  }

  test('without API_TOKEN: loopback only, says so, open; SIGTERM stops it cleanly', async () => {
    const port = await freePort();
    const server = startServer({ API_PORT: String(port), API_HOST: '0.0.0.0' });
    running.push(server);
    const output = await server.waitFor(/API: http:\/\/\S+/);
    expect(output).toContain(
      'API_TOKEN is not set: listening on loopback only, without authentication (API_HOST=0.0.0.0 ignored)',
    );
    expect(output).toContain(`API: http://127.0.0.1:${port} (docs: http://127.0.0.1:${port}/docs)`);

    const list = await fetch(`http://127.0.0.1:${port}/processes`);
    expect(list.status).toBe(200);
    const external = externalAddress();
    if (external) {
      await expect(fetch(`http://${external}:${port}/health`)).rejects.toThrow();
    }

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('API stopped');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  test('with API_TOKEN: the token is required, and never printed', async () => {
    const port = await freePort();
    const server = startServer({ API_PORT: String(port), API_TOKEN: TEST_TOKEN });
    running.push(server);
    await server.waitFor(/API: http:\/\/\S+/);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/processes`)).status).toBe(401);
    expect((await fetch(`${base}/processes`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).status).toBe(200);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toContain('API_TOKEN is not set');
    expect(server.output()).not.toContain(TEST_TOKEN);
  });

  test('a bad setting: the message names it, exit code 1', async () => {
    const server = startServer({ API_PORT: '70000' });
    running.push(server);
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(
      'Configuration error: API_PORT must be a whole number from 1 to 65535 (got "70000")',
    );
  });

  test('PostgreSQL not up yet: says it waits, naming DATABASE_URL, and serves once it is', async () => {
    // DATABASE_URL points at a port where PostgreSQL "comes up" later: a proxy to the real one.
    const real = new URL(api.db.url);
    const proxyPort = await freePort();
    const late = new URL(api.db.url);
    late.port = String(proxyPort);
    const port = await freePort();
    const server = startServer({ API_PORT: String(port), DATABASE_URL: late.toString() });
    running.push(server);
    await server.waitFor(/Waiting for PostgreSQL \(DATABASE_URL\): connect ECONNREFUSED .* trying again in 1 s/);
    expect(server.child.exitCode).toBeNull();

    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(real.port), real.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    try {
      await server.waitFor(/API: http:\/\/\S+/);
      expect((await fetch(`http://127.0.0.1:${port}/processes`)).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      proxy.close();
    }
  });

  test('a port already taken: says which, exit code 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as net.AddressInfo;
      const server = startServer({ API_PORT: String(port) });
      running.push(server);
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain(`API_PORT ${port} on 127.0.0.1 is taken`);
    } finally {
      blocker.close();
    }
  });
});
