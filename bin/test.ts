/**
 * npm test [-- jest args] (README, "Run the tests"): jest against a throwaway stack (or the configured
 * servers). Exits with jest's exit code; the stack is stopped in every case.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startStack } from '../dev-stack/index';
import { loadConfigOrExit, runMain } from '../dev-stack/load-config';
import { describeStack } from '../dev-stack/print';
import { defaultLog as log } from '../dev-stack/types';
import { prepareTestServices } from '../test/setup/prepare-services';

const signalExitCode = (signal: NodeJS.Signals) => 128 + (os.constants.signals[signal] ?? 0);

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const abort = new AbortController();
  let jest: ChildProcess | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!abort.signal.aborted) abort.abort(signal);
    jest?.kill(signal);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const received = () => abort.signal.reason as NodeJS.Signals;

  const started = Date.now();
  const stack = await startStack(config, { mode: 'ephemeral', signal: abort.signal }).catch((error: unknown) => {
    if (abort.signal.aborted) process.exit(signalExitCode(received()));
    throw error;
  });
  try {
    for (const line of describeStack(stack, config)) log(line);
    log(`Stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
    await prepareTestServices(stack);
    if (abort.signal.aborted) return signalExitCode(received());

    const env = { ...process.env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress };
    const args = process.argv.slice(2);
    let code = 0;
    const totals = { passed: 0, failed: 0, reported: false };
    for (const phase of phasesToRun(args, env)) {
      if (abort.signal.aborted) return signalExitCode(received());
      const run = await runJest(phase, args, env, (child) => (jest = child));
      code ||= run.code;
      if (run.counts) {
        totals.reported = true;
        totals.passed += run.counts.numPassedTests ?? 0;
        totals.failed += run.counts.numFailedTests ?? 0;
      }
    }
    // The plain closing line "jest: N passed, N failed" that CI tools read; none when jest failed to start.
    if (totals.reported) console.log(`jest: ${totals.passed} passed, ${totals.failed} failed`);
    return code;
  } finally {
    await stack.stop();
  }
}

/**
 * jest.config.js's phases: the suites that measure the stack under their own load run after the rest,
 * alone. A phase with no suite matching the arguments is left out; with none in either, or in watch
 * mode, jest runs once unphased (and says itself what it found).
 */
type Phase = 'rest' | 'alone' | undefined;

function phasesToRun(args: readonly string[], env: NodeJS.ProcessEnv): Phase[] {
  if (args.some((a) => a === '--watch' || a === '--watchAll')) return [undefined];
  const phases = (['rest', 'alone'] as const).filter((phase) => {
    const listed = spawnSync(process.execPath, [jestBin(), '--listTests', ...args], {
      env: { ...env, BEHFLOW_TEST_PHASE: phase },
      encoding: 'utf8',
    });
    // jest also prints notes such as "Running one project: …" to stdout; only absolute paths are suites.
    return listed.status === 0 && listed.stdout.split('\n').some((line) => path.isAbsolute(line.trim()));
  });
  return phases.length > 0 ? phases : [undefined];
}

function jestBin(): string {
  return path.join(path.dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
}

async function runJest(
  phase: Phase,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  started: (child: ChildProcess) => void,
): Promise<{ code: number; counts: Record<string, number> | undefined }> {
  const report = path.join(os.tmpdir(), `behflow-jest-${process.pid}-${phase ?? 'all'}.json`);
  const ci = ['true', '1'].includes(process.env.CI ?? '') ? ['--ci'] : [];
  if (phase === 'alone') console.log('Suites that run alone (jest.config.js, ALONE_SUITES):');
  // Not detached: jest stays in the terminal's process group, so its watch mode and Ctrl-C work.
  const jest = spawn(process.execPath, [jestBin(), ...ci, '--json', `--outputFile=${report}`, ...args], {
    env: phase ? { ...env, BEHFLOW_TEST_PHASE: phase } : env,
    stdio: 'inherit',
  });
  started(jest);
  const code = await new Promise<number>((resolve) => {
    jest.once('error', () => resolve(1));
    jest.once('exit', (exitCode, signal) => resolve(exitCode ?? signalExitCode(signal ?? 'SIGTERM')));
  });
  const counts = (await readFile(report, 'utf8')
    .then(JSON.parse)
    .catch(() => {})) as Record<string, number> | undefined;
  rmSync(report, { force: true });
  return { code, counts };
}

runMain(main);
