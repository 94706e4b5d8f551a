import fs from 'node:fs';
import { PROCESS_REGISTRY } from '../../processes/registry';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../config';
import type { Env } from '../../config/parse';
import { CUSTOM_SEARCH_ATTRIBUTES, PROCESS_SEARCH_ATTRIBUTE } from '../../platform/search-attributes';
import { ROOT } from './config-variables';

/*
 * docker-compose.yml can't be run on a machine without a Docker engine, so these tests read it: what environment
 * each container gets, whether config accepts it, and whether the services agree with each other and the image.
 */

interface Service {
  readonly image?: string;
  readonly build?: string;
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly env_file?: unknown;
  readonly ports?: string[];
  readonly volumes?: string[];
  readonly healthcheck?: unknown;
  readonly depends_on?: Record<string, { condition?: string }>;
  readonly restart?: string;
  readonly deploy?: { readonly replicas?: number };
}

// `<<: *app` merges the worker's and the API's shared definition, as Compose does.
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { services } = compose;
const APP_SERVICES = ['worker', 'api'] as const;

/** Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}` and `$$`. */
function interpolate(value: string, vars: Env): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}$]*))?\}|\$/g, (whole, name, operator, arg) => {
    if (whole === '$$') return '$';
    if (whole === '$') throw new Error(`unsupported $ in ${JSON.stringify(value)}: write \${NAME} or $$`);
    const raw = vars[name as string];
    const missing = (operator as string | undefined)?.startsWith(':') ? !raw : raw === undefined;
    if (operator?.endsWith('?') && missing) throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return operator?.endsWith('-') && missing ? (arg as string) : (raw ?? '');
  });
}

/**
 * The environment a container starts with: all of `.env` (env_file), then its `environment:`, interpolated
 * with the shell's variables over `.env`'s, on top.
 */
function containerEnv(name: string, dotEnv: Env = {}, shell: Env = {}): Env {
  const declared = Object.entries(services[name]?.environment ?? {});
  return { ...dotEnv, ...Object.fromEntries(declared.map(([k, v]) => [k, interpolate(v, { ...dotEnv, ...shell })])) };
}

/** The api service needs API_TOKEN; any value will do for these tests. */
const withToken = (dotEnv: Env = {}): Env => ({ API_TOKEN: 'test-token-0123456789', ...dotEnv });

describe('docker-compose.yml', () => {
  it('has the stack: PostgreSQL, Temporal, its search-attribute job and UI, the worker, the API, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'grafana',
        'postgresql',
        'prometheus',
        'temporal',
        'temporal-admin-tools',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('runs two workers (one service, two replicas) and one API: issue 14, "scaling out, in compose"', () => {
    expect(services.worker?.deploy?.replicas).toBe(2);
    expect(services.api?.deploy?.replicas ?? 1).toBe(1);
    // Replicas share the service's definition: nothing may name one container or publish a fixed host port.
    expect(services.worker).not.toHaveProperty('container_name');
    expect(services.worker?.ports ?? []).toEqual([]);
  });

  it('runs the worker and the API from the one image the Dockerfile builds, each with its compiled entry point', () => {
    const { worker, api } = services;
    expect(worker?.build).toBe('.');
    expect(api?.build).toBe(worker?.build);
    expect(api?.image).toBe(worker?.image);
    expect(worker?.command).toBeUndefined(); // the Dockerfile's CMD: node dist/bin/worker.js
    expect(api?.command).toEqual(['node', 'dist/bin/api.js']);
    const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { files: string[] };
    expect(build.files).toContain('bin/api.ts'); // compiled to dist/bin/api.js
  });

  it.each(APP_SERVICES)('gives %s all of .env, and starts without one', (name) => {
    expect(services[name]?.env_file).toEqual([{ path: '.env', required: false }]);
  });

  it.each(APP_SERVICES)('sets on %s only what the stack decides, never a process setting', (name) => {
    const stack = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_UI_URL', 'TEMPORAL_UI_PORT'];
    const api = name === 'api' ? ['API_HOST', 'API_PORT', 'API_TOKEN'] : [];
    const worker = name === 'worker' ? ['WORKER_METRICS_PORT'] : []; // the port the prometheus service scrapes
    expect(Object.keys(services[name]?.environment ?? {}).sort()).toEqual([...stack, ...api, ...worker].sort());
  });

  it('passes any other .env setting through to the containers unchanged, e.g. a new process', () => {
    const dotEnv = { PROCESS_SOMETHING_NEW_HOUR: '8', BEHFLOW_TIMEZONE: 'UTC', LOG_LEVEL: 'debug' };
    for (const name of APP_SERVICES) {
      expect(containerEnv(name, withToken(dotEnv))).toMatchObject(dotEnv);
    }
    expect(loadConfig(containerEnv('worker', dotEnv), PROCESS_REGISTRY).logLevel).toBe('debug');
  });

  it.each(APP_SERVICES)('gives %s, without a .env, settings that loadConfig accepts', (name) => {
    const config = loadConfig(containerEnv(name, withToken()), PROCESS_REGISTRY);
    expect(config.databaseUrl).toMatch(/^postgres:\/\/[^@]+@postgresql:5432\/behflow$/);
    expect(config.temporalAddress).toBe('temporal:7233');
  });

  it("uses config's own defaults, so the stack behaves like `npm start` until .env says otherwise", () => {
    const baseline = JSON.stringify(loadConfig({}, PROCESS_REGISTRY));
    const differing = Object.entries(services.worker?.environment ?? {}).flatMap(([key, value]) => {
      const own = new RegExp(`^\\$\\{${key}:-([^}]*)\\}$`).exec(value);
      if (!own) return [];
      return JSON.stringify(loadConfig({ [key]: own[1] }, PROCESS_REGISTRY)) === baseline
        ? []
        : [`${key} defaults to ${own[1]}`];
    });
    expect(differing).toEqual([]);
  });

  it("does not let a host-side .env point the containers at the host's database or Temporal", () => {
    const hostEnv = { DATABASE_URL: 'postgres://me:pw@localhost:5432/behflow', TEMPORAL_ADDRESS: '127.0.0.1:7233' };
    for (const name of APP_SERVICES) {
      const env = containerEnv(name, withToken(hostEnv));
      expect(new URL(env.DATABASE_URL ?? '').hostname).toBe('postgresql');
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
  });

  it('refuses to run the api without an API_TOKEN, from .env or the shell', () => {
    expect(() => containerEnv('api', {})).toThrow(/API_TOKEN/);
    expect(() => containerEnv('api', { API_TOKEN: '' })).toThrow(/API_TOKEN/);
    expect(containerEnv('api', {}, { API_TOKEN: 'from-the-shell-0123' }).API_TOKEN).toBe('from-the-shell-0123');
  });

  it.each<Env>([{}, { API_PORT: '8080', API_HOST: '127.0.0.1' }])(
    'has the api listen on all interfaces inside its container, on the port compose publishes (.env %j)',
    (dotEnv) => {
      const env = containerEnv('api', withToken(dotEnv));
      expect(env.API_HOST).toBe('0.0.0.0');
      expect(services.api?.ports?.map((port) => interpolate(port, dotEnv))).toEqual([
        `${dotEnv.API_PORT ?? '3000'}:${env.API_PORT}`,
      ]);
    },
  );

  it.each<Env>([{}, { POSTGRES_PASSWORD: 's3cret' }])(
    'gives the app and Temporal the credentials of the postgresql service (.env %j)',
    (dotEnv) => {
      const postgres = containerEnv('postgresql', dotEnv);
      const temporal = containerEnv('temporal', dotEnv);
      for (const name of APP_SERVICES) {
        const url = new URL(containerEnv(name, withToken(dotEnv)).DATABASE_URL ?? '');
        expect([url.hostname, url.port, url.pathname]).toEqual(['postgresql', '5432', `/${postgres.POSTGRES_DB}`]);
        expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER);
        expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
      }
      expect(temporal).toMatchObject({
        DB: 'postgres12',
        POSTGRES_SEEDS: 'postgresql',
        DB_PORT: '5432',
        POSTGRES_USER: postgres.POSTGRES_USER,
        POSTGRES_PWD: postgres.POSTGRES_PASSWORD,
      });
    },
  );

  it('keeps PostgreSQL on a named volume', () => {
    const data = services.postgresql?.volumes?.find((volume) => volume.endsWith(':/var/lib/postgresql/data'));
    expect(Object.keys(compose.volumes)).toContain(data?.split(':')[0]);
  });

  it.each<[Env, Env]>([
    [{}, {}],
    [{ TEMPORAL_NAMESPACE: 'behflow' }, {}],
    [{}, { TEMPORAL_NAMESPACE: 'from-shell' }],
  ])(
    'has Temporal, its UI, the search-attribute job and the app agree on the namespace (.env %j, shell %j)',
    (dotEnv, shell) => {
      const expected =
        shell.TEMPORAL_NAMESPACE ?? dotEnv.TEMPORAL_NAMESPACE ?? loadConfig({}, PROCESS_REGISTRY).temporalNamespace;
      expect(containerEnv('temporal', dotEnv, shell).DEFAULT_NAMESPACE).toBe(expected);
      expect(containerEnv('temporal-ui', dotEnv, shell).TEMPORAL_DEFAULT_NAMESPACE).toBe(expected);
      expect(containerEnv('temporal-admin-tools', dotEnv, shell).TEMPORAL_NAMESPACE).toBe(expected);
      for (const name of APP_SERVICES) {
        expect(loadConfig(containerEnv(name, withToken(dotEnv), shell), PROCESS_REGISTRY).temporalNamespace).toBe(
          expected,
        );
      }
    },
  );

  it.each<[Env, Env]>([
    [{}, {}],
    [{ TEMPORAL_UI_PORT: '9000' }, {}],
    [{}, { TEMPORAL_UI_PORT: '9001' }],
  ])("publishes the Temporal UI where the app's links to it point (.env %j, shell %j)", (dotEnv, shell) => {
    const hostPort = shell.TEMPORAL_UI_PORT ?? dotEnv.TEMPORAL_UI_PORT ?? '8233';
    const vars = { ...dotEnv, ...shell };
    expect(services['temporal-ui']?.ports?.map((port) => interpolate(port, vars))).toEqual([
      `127.0.0.1:${hostPort}:8080`,
    ]);
    expect(containerEnv('temporal-ui', dotEnv, shell).TEMPORAL_ADDRESS).toBe('temporal:7233');
    for (const name of APP_SERVICES) {
      expect(loadConfig(containerEnv(name, withToken(dotEnv), shell), PROCESS_REGISTRY).temporalUiUrl).toBe(
        `http://localhost:${hostPort}`,
      );
    }
  });

  it('registers the search attributes the code uses, with their types, skipping those already there', () => {
    const job = services['temporal-admin-tools'];
    const script = (job?.command ?? []).join('\n');
    const created = Object.fromEntries(
      [...script.matchAll(/search-attribute create\b[^\n]*--name (\w+) --type (\w+)/g)].map((m) => [m[1], m[2]]),
    );
    expect(created).toEqual(CUSTOM_SEARCH_ATTRIBUTES);
    expect(script).toContain(`grep -qw ${PROCESS_SEARCH_ATTRIBUTE}`);
    expect(script).toContain('--address temporal:7233');
    expect(job?.restart).toBe('no');
  });

  it.each(APP_SERVICES)(
    'starts %s only after PostgreSQL and Temporal are ready and the search attribute exists',
    (name) => {
      const conditions = Object.entries(services[name]?.depends_on ?? {}).map(([target, { condition }]) => [
        target,
        condition,
      ]);
      expect(Object.fromEntries(conditions)).toEqual({
        postgresql: 'service_healthy',
        temporal: 'service_healthy',
        'temporal-admin-tools': 'service_completed_successfully',
      });
    },
  );

  it('waits for health only on services that have a healthcheck, and for completion only on one-shot services', () => {
    const problems = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {}).flatMap(([target, { condition }]) => {
        const other = services[target];
        if (condition === 'service_healthy' && other?.healthcheck === undefined)
          return [`${name} -> ${target}: no healthcheck`];
        if (condition === 'service_completed_successfully' && other?.restart !== 'no')
          return [`${name} -> ${target}: restarts`];
        return [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('pins every image to a version, and Temporal server and admin tools to the same one', () => {
    const images = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.image ?? '']));
    expect(
      Object.values(images).filter((image) => !/^[\w./-]+:[\w.-]+$/.test(image) || /:latest$/.test(image)),
    ).toEqual([]);
    expect(images.temporal).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    const serverVersion = images.temporal?.split(':')[1];
    expect(images['temporal-admin-tools']).toMatch(new RegExp(`^temporalio/admin-tools:${serverVersion}(-|$)`));
    expect(images['temporal-ui']).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });
});
