import { builtinModules } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLE_FILE, build, TRACING_BUNDLE_FILE } from '../../bin/build';
import { ROOT } from './config-variables';

/* `npm run build` into a temporary folder: what the image's dist/ holds, and what it needs at run time. */

const PRODUCT_DIRS = [
  'bin',
  'platform',
  'worker',
  'workflows',
  'activities',
  'processes',
  'temporal',
  'api',
  'db',
  'config',
  'time',
];
const BUNDLES = [BUNDLE_FILE, TRACING_BUNDLE_FILE];
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

let app: string;
let outDir: string;
let emitted: string[];

beforeAll(async () => {
  // Laid out like the image's /app: node_modules next to dist/.
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'behflow-build-'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  outDir = path.join(app, 'dist');
  await build(outDir);
  emitted = (fs.readdirSync(outDir, { recursive: true }) as string[]).filter((file) => file.endsWith('.js'));
}, 180_000);

afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

describe('npm run build', () => {
  it('compiles the entry points the image and compose start', () => {
    expect(emitted).toEqual(expect.arrayContaining(['bin/worker.js', 'bin/api.js', 'bin/reload-schedules.js']));
  });

  it('emits only product code: no tests, benchmarks or dev stack', () => {
    const outside = emitted.filter(
      (file) => !BUNDLES.includes(file) && !PRODUCT_DIRS.includes(file.split(path.sep)[0]!),
    );
    expect(outside).toEqual([]);
    expect(
      emitted.filter((file) => /^bin\/(start|test|bench|record-histories|ensure-temporal-cli|build)\.js$/.test(file)),
    ).toEqual([]);
  });

  it('writes the workflow bundle where the compiled worker loads it from', async () => {
    const compiled = (await import(path.join(outDir, 'worker/create-worker.js'))) as { PREBUILT_BUNDLE: string };
    expect(compiled.PREBUILT_BUNDLE).toBe(path.join(outDir, BUNDLE_FILE));
    expect(fs.readFileSync(compiled.PREBUILT_BUNDLE, 'utf8')).toMatch(/rescheduleRemainingTasks/);
  });

  it('writes a second bundle with the tracing interceptors, which the plain one leaves out', async () => {
    const compiled = (await import(path.join(outDir, 'worker/create-worker.js'))) as {
      PREBUILT_TRACING_BUNDLE: string;
    };
    expect(compiled.PREBUILT_TRACING_BUNDLE).toBe(path.join(outDir, TRACING_BUNDLE_FILE));
    const traced = fs.readFileSync(compiled.PREBUILT_TRACING_BUNDLE, 'utf8');
    expect(traced).toMatch(/rescheduleRemainingTasks/);
    expect(traced).toMatch(/OpenTelemetryInboundInterceptor/);
    expect(fs.readFileSync(path.join(outDir, BUNDLE_FILE), 'utf8')).not.toMatch(/OpenTelemetryInboundInterceptor/);
  });

  it('needs at run time only production dependencies (no tsx, no devDependencies)', () => {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const packages = new Set<string>();
    for (const file of emitted.filter((name) => !BUNDLES.includes(name))) {
      const code = fs.readFileSync(path.join(outDir, file), 'utf8');
      for (const [, id] of code.matchAll(/\brequire\("([^".][^"]*)"\)/g)) {
        if (builtins.has(id!)) continue;
        packages.add(id!.startsWith('@') ? id!.split('/').slice(0, 2).join('/') : id!.split('/')[0]!);
      }
    }
    expect(packages.size).toBeGreaterThan(0);
    expect([...packages].filter((name) => packageJson.dependencies[name] === undefined)).toEqual([]);
  });
});
