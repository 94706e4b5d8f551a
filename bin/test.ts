/**
 * npm test [-- jest args] (README, "Run the tests"): jest against a throwaway stack (or the configured
 * servers). Exits with jest's exit code; the stack is stopped in every case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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

    // jest's JSON report feeds the plain closing line "jest: N passed, N failed" that CI tools read.
    const report = path.join(os.tmpdir(), `behflow-jest-${process.pid}.json`);
    const ci = ['true', '1'].includes(process.env.CI ?? '') ? ['--ci'] : [];
    const jestBin = path.join(path.dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
    // Not detached: jest stays in the terminal's process group, so its watch mode and Ctrl-C work.
    jest = spawn(process.execPath, [jestBin, ...ci, '--json', `--outputFile=${report}`, ...process.argv.slice(2)], {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress },
      stdio: 'inherit',
    });
    const code = await new Promise<number>((resolve) => {
      jest?.once('error', () => resolve(1));
      jest?.once('exit', (exitCode, signal) => resolve(exitCode ?? signalExitCode(signal ?? 'SIGTERM')));
    });
    // No report when jest failed to start: its own output says why.
    const counts = (await readFile(report, 'utf8')
      .then(JSON.parse)
      .catch(() => {})) as Record<string, number> | undefined;
    if (counts) console.log(`jest: ${counts.numPassedTests} passed, ${counts.numFailedTests} failed`);
    rmSync(report, { force: true });
    return code;
  } finally {
    await stack.stop();
  }
}

runMain(main);
