import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config';
import { defaultLog, type Log } from './types';

/** The newest CLI release whose go.mod still allows `go install` (later ones use replace directives). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const GO_INSTALL_COMMAND = `go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/**
 * Path of the `temporal` binary: TEMPORAL_CLI_PATH, else PATH, else Go's bin folder, else built
 * there with `go install` when Go is available. Nothing is downloaded except through Go's module proxy.
 */
export async function locateTemporalCli(
  config: Pick<Config, 'temporalCliPath'>,
  /** build false: only look, never run `go install`. */
  options: { readonly env?: NodeJS.ProcessEnv; readonly log?: Log; readonly build?: boolean } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  if (config.temporalCliPath !== undefined) {
    const configured = path.resolve(config.temporalCliPath);
    if (isExecutableFile(configured)) return configured;
    throw new Error(
      `TEMPORAL_CLI_PATH is set to "${config.temporalCliPath}", but that is not an executable file. ` +
        `Point TEMPORAL_CLI_PATH at the temporal binary, or unset it to use the one on PATH.`,
    );
  }
  const onPath = findOnPath('temporal', env.PATH);
  if (onPath !== undefined) return onPath;

  // /usr/local/go is where the official tarball installs Go, often without putting it on PATH.
  const go = findOnPath('go', `${env.PATH ?? ''}${path.delimiter}/usr/local/go/bin`);
  if (go === undefined) throw notFound('Go is not installed either.');
  // Where `go install` puts binaries: GOBIN, else the first GOPATH entry's bin.
  const { stdout } = await promisify(execFile)(go, ['env', 'GOBIN', 'GOPATH'], { env });
  const [gobin = '', gopath = ''] = stdout.split('\n').map((line) => line.trim());
  const built = path.join(gobin || path.join(gopath.split(path.delimiter)[0] ?? '', 'bin'), 'temporal');
  if (isExecutableFile(built)) return built;
  if (options.build === false) throw notFound(`It is not in ${path.dirname(built)} either.`);

  await goInstall(go, env, options.log ?? defaultLog);
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

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  const dirs = (searchPath ?? '').split(path.delimiter).filter((dir) => dir !== '');
  return dirs.map((dir) => path.join(dir, name)).find(isExecutableFile);
}

async function goInstall(go: string, env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only, a few minutes)…`);
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
  // go is silent while compiling: a heartbeat shows the build is alive. Its output goes to our stderr,
  // so that stdout stays usable by callers that print the path.
  const heartbeat = setInterval(() => log(`…still building (${elapsed()})`), 30_000);
  const child = spawn(go, GO_INSTALL_COMMAND.split(' ').slice(1), { env, stdio: ['ignore', 2, 2] });
  const code = await new Promise((resolve) => child.once('error', () => resolve('not run')).once('exit', resolve));
  clearInterval(heartbeat);
  if (code !== 0) throw new Error(`\`${GO_INSTALL_COMMAND}\` failed (exit code ${code}); see go's output above.`);
  log(`Built the Temporal CLI in ${elapsed()}.`);
}
