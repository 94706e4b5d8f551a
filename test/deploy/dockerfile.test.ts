import fs from 'node:fs';
import path from 'node:path';

/* The Dockerfile can't be built on a machine without a Docker engine, so these tests read it. */

const ROOT = path.resolve(__dirname, '../..');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The instructions, with `\` continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined.split('\n').flatMap((line) => {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    return match ? [{ keyword: match[1]!.toUpperCase(), args: match[2]!.trim() }] : [];
  });
}

const dockerfile = instructions(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const dockerignore = fs
  .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
};

const indexOf = (keyword: string, pattern: RegExp): number =>
  dockerfile.findIndex((i) => i.keyword === keyword && pattern.test(i.args));

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim', () => {
    const bases = dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(bases.length).toBeGreaterThan(0);
    expect(bases.filter((base) => base !== 'node:20-bookworm-slim')).toEqual([]);
  });

  it('installs exactly the locked dependencies, before copying the source', () => {
    const copyManifests = indexOf('COPY', /\bpackage\.json\b.*\bpackage-lock\.json\b/);
    const install = indexOf('RUN', /\bnpm ci\b/);
    const copySource = indexOf('COPY', /^\.\s+\.$/);
    expect(copyManifests).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(copyManifests);
    expect(copySource).toBeGreaterThan(install);
  });

  it('has at run time what the worker is started with, even when devDependencies are left out', () => {
    expect(packageJson.dependencies?.tsx).toBeDefined();
  });

  it('runs as the non-root node user', () => {
    const users = dockerfile.filter((i) => i.keyword === 'USER');
    expect(users.at(-1)?.args).toBe('node');
    const last = (keyword: string): number => dockerfile.map((i) => i.keyword).lastIndexOf(keyword);
    expect(last('USER')).toBeGreaterThan(last('RUN'));
  });

  it('starts the worker by default, in exec form so it receives SIGTERM', () => {
    const cmd = dockerfile.filter((i) => i.keyword === 'CMD').at(-1);
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual(['npx', 'tsx', 'worker/main.ts']);
  });
});

describe('.dockerignore', () => {
  it('keeps the host node_modules, secrets and local data out of the image', () => {
    expect(dockerignore).toEqual(expect.arrayContaining(['node_modules', '.env', '.data', '.git']));
  });

  it('keeps what the image needs', () => {
    const needed = ['package.json', 'package-lock.json', 'worker', 'workflows', 'activities', 'config', 'db', 'api'];
    expect(needed.filter((name) => dockerignore.includes(name) || dockerignore.includes(`${name}/`))).toEqual([]);
  });
});
