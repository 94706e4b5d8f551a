/**
 * npm test [-- jest args]: a throwaway PostgreSQL and Temporal (free ports, temp data; configured
 * DATABASE_URL / TEMPORAL_ADDRESS are used instead when set), then jest against them. Exits with
 * jest's exit code; the stack is stopped in every case. Runs fine next to `npm start`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack } from '../dev-stack/index';
import { loadConfigOrExit } from '../dev-stack/load-config';
import { prepareTestServicesIfPresent } from '../dev-stack/prepare-services';
import { describeStack } from '../dev-stack/print';
import { stopChild } from '../dev-stack/processes';
import { defaultLog as log } from '../dev-stack/types';

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  let stopJest: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    received ??= signal;
    abort.abort();
    stopJest?.(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  const stack = await startStack(config, { mode: 'ephemeral', signal: abort.signal }).catch((error: unknown) => {
    if (received) process.exit(signalExitCode(received));
    throw error;
  });
  try {
    for (const line of describeStack(stack, config)) log(line);
    log(`Stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
    const services = { databaseUrl: stack.databaseUrl, temporalAddress: stack.temporalAddress };
    await prepareTestServicesIfPresent(services);
    if (received) return signalExitCode(received);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: services.databaseUrl,
      TEMPORAL_ADDRESS: services.temporalAddress,
    };
    // jest's JSON report feeds the plain closing line "jest: N passed, N failed" that CI tools read.
    const report = path.join(os.tmpdir(), `behflow-jest-${process.pid}.json`);
    const jestArgs = [
      ...(['true', '1'].includes(process.env.CI ?? '') ? ['--ci'] : []),
      '--json',
      `--outputFile=${report}`,
      ...process.argv.slice(2),
    ];
    // Not detached: jest stays in the terminal's process group, so its watch mode and Ctrl-C work.
    const jest = spawn(process.execPath, [jestBin(), ...jestArgs], { env, stdio: 'inherit' });
    stopJest = (signal) => void stopChild(jest, { signal, graceMs: 10_000, group: false });
    const code = await new Promise<number>((resolve) => {
      jest.once('error', () => resolve(1));
      jest.once('exit', (exitCode, signal) => resolve(exitCode ?? signalExitCode(signal ?? 'SIGTERM')));
    });
    printClosingLine(report);
    return code;
  } finally {
    await stack.stop();
  }
}

function printClosingLine(report: string): void {
  try {
    const { numPassedTests, numFailedTests } = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    console.log(`jest: ${numPassedTests} passed, ${numFailedTests} failed`);
    rmSync(report, { force: true });
  } catch {
    // No report (jest failed to start): its own output says why.
  }
}

function jestBin(): string {
  return path.join(path.dirname(require.resolve('jest/package.json')), 'bin', 'jest.js');
}

function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
