import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './config-variables';

/* The Dockerfile can't be built on a machine without a Docker engine, so these tests read it. */

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly base: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** The stages, each with its instructions; `\` continuations joined, comments dropped. */
function stages(text: string): Stage[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const result: Stage[] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.trim() };
    if (instruction.keyword === 'FROM') {
      const [base = '', as, name] = instruction.args.split(/\s+/);
      result.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

const dockerfile = stages(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const dockerignore = fs
  .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const buildConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
  files: string[];
  compilerOptions: { outDir: string };
};

/** The stage an image stage builds on, through stage names, ends at a real image. */
function rootImage(stage: Stage): string {
  const parent = dockerfile.find((s) => s.name === stage.base);
  return parent ? rootImage(parent) : stage.base;
}

const stageNamed = (name: string): Stage => {
  const stage = dockerfile.find((s) => s.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage named ${name}`);
  return stage;
};
const runtime = dockerfile.at(-1)!;
const indexIn = (stage: Stage, keyword: string, pattern: RegExp): number =>
  stage.instructions.findIndex((i) => i.keyword === keyword && pattern.test(i.args));
const MANIFESTS = /^package\.json\s+package-lock\.json\s+\.\/$/;

describe('Dockerfile', () => {
  it('builds every stage on node:20-bookworm-slim', () => {
    expect(dockerfile.length).toBeGreaterThan(1);
    expect(dockerfile.map(rootImage).filter((base) => base !== 'node:20-bookworm-slim')).toEqual([]);
  });

  it('builds in its own stage: the locked dependencies with devDependencies, then the source, then npm run build', () => {
    const build = stageNamed('build');
    const copyManifests = indexIn(build, 'COPY', MANIFESTS);
    const install = indexIn(build, 'RUN', /^npm ci$/);
    const copySource = indexIn(build, 'COPY', /^\.\s+\.$/);
    const runBuild = indexIn(build, 'RUN', /^npm run build$/);
    expect(copyManifests).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(copyManifests);
    expect(copySource).toBeGreaterThan(install);
    expect(runBuild).toBeGreaterThan(copySource);
  });

  it('builds with bin/build.ts (test/deploy/build.test.ts runs it)', () => {
    expect(packageJson.scripts.build).toBe('tsx bin/build.ts');
  });

  it('ships only the production dependencies and the compiled code, not the source', () => {
    expect(runtime.name).not.toBe('build');
    const copyManifests = indexIn(runtime, 'COPY', MANIFESTS);
    const install = indexIn(runtime, 'RUN', /^npm ci --omit=dev(\s|$)/);
    expect(copyManifests).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(copyManifests);
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual(expect.arrayContaining([`--from=build /app/${buildConfig.compilerOptions.outDir} ./dist`]));
    expect(copies.filter((args) => !MANIFESTS.test(args) && !args.startsWith('--from=build '))).toEqual([]);
  });

  it('runs as the non-root node user', () => {
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args).toBe('node');
    expect(keywords.lastIndexOf('USER')).toBeGreaterThan(keywords.lastIndexOf('RUN'));
  });

  it('starts the compiled worker by default, with node in exec form so it receives SIGTERM', () => {
    const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1);
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual(['node', 'dist/bin/worker.js']);
    expect(buildConfig.files).toContain('bin/worker.ts');
  });
});

describe('.dockerignore', () => {
  it('keeps the host node_modules and dist, secrets and local data out of the image', () => {
    expect(dockerignore).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env', '.data', '.git']));
  });

  it('keeps what the build needs', () => {
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'workflows'];
    expect(needed.filter((name) => dockerignore.includes(name) || dockerignore.includes(`${name}/`))).toEqual([]);
  });
});
