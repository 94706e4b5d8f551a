import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config';
import { defaultLog, type Log } from './types';

const execFileAsync = promisify(execFile);

/** The newest CLI release whose go.mod still allows `go install` (later ones use replace directives). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const GO_INSTALL_COMMAND = `go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/** Where Go is often installed without being on PATH (the official tarball's location). */
const WELL_KNOWN_GO = ['/usr/local/go/bin/go'];
const EXE = process.platform === 'win32' ? '.exe' : '';

export interface LocateOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: Log;
  /** false: only look, never run `go install` (default true). */
  readonly build?: boolean;
}

/**
 * Path of the `temporal` binary: TEMPORAL_CLI_PATH, else PATH, else Go's bin folder, else built
 * there with `go install` when Go is available. Nothing is downloaded except through Go's module proxy.
 */
export async function locateTemporalCli(
  config: Pick<Config, 'temporalCliPath'>,
  options: LocateOptions = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLog;

  if (config.temporalCliPath !== undefined) {
    const configured = path.resolve(config.temporalCliPath);
    if (isExecutableFile(configured)) return configured;
    throw new Error(
      `TEMPORAL_CLI_PATH is set to "${config.temporalCliPath}", but that is not an executable file. ` +
        `Point TEMPORAL_CLI_PATH at the temporal binary, or unset it to use the one on PATH.`,
    );
  }

  const onPath = findOnPath(`temporal${EXE}`, env.PATH);
  if (onPath !== undefined) return onPath;

  const go = findOnPath(`go${EXE}`, env.PATH) ?? WELL_KNOWN_GO.find(isExecutableFile);
  if (go === undefined) throw notFound('Go is not installed either.');

  const binDir = await goBinDir(go, env);
  const built = path.join(binDir, `temporal${EXE}`);
  if (isExecutableFile(built)) return built;
  if (options.build === false) throw notFound(`It is not in ${binDir} either.`);

  await goInstall(go, env, log);
  if (isExecutableFile(built)) return built;
  throw notFound(`\`${GO_INSTALL_COMMAND}\` finished, but ${built} does not exist.`);
}

function notFound(detail: string): Error {
  return new Error(
    `The Temporal CLI (temporal) was not found on PATH. ${detail}\n` +
      `Install it with:\n  ${GO_INSTALL_COMMAND}\n` +
      `(it lands in $(go env GOPATH)/bin), or set TEMPORAL_CLI_PATH to an existing temporal binary.`,
  );
}

export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Where `go install` puts binaries: GOBIN, else the first GOPATH entry's bin. */
async function goBinDir(go: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(go, ['env', 'GOBIN', 'GOPATH'], { env });
  const [gobin = '', gopath = ''] = stdout.split('\n').map((line) => line.trim());
  if (gobin !== '') return gobin;
  const first = gopath.split(path.delimiter)[0] ?? '';
  if (first === '') throw new Error(`\`${go} env GOPATH\` printed nothing; set GOPATH or TEMPORAL_CLI_PATH.`);
  return path.join(first, 'bin');
}

async function goInstall(go: string, env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only, a few minutes)…`);
  const started = Date.now();
  // go's output goes to our stderr so that stdout stays usable by callers that print the path.
  const child = spawn(go, GO_INSTALL_COMMAND.split(' ').slice(1), { env, stdio: ['ignore', 2, 2] });
  // go is silent while compiling; a heartbeat shows the build is alive.
  const heartbeat = setInterval(() => log(`…still building (${Math.round((Date.now() - started) / 1000)}s)`), 30_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (code !== 0) throw new Error(`\`${GO_INSTALL_COMMAND}\` failed (exit code ${code}); see go's output above.`);
  } finally {
    clearInterval(heartbeat);
  }
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)}s.`);
}
