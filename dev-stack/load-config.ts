import path from 'node:path';
import dotenv from 'dotenv';
import { ConfigError, loadConfig, type Config } from '../config';
import { PROCESS_REGISTRY } from '../processes/registry';
import { defaultLog, type Log } from './types';

export const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * .env (if present) then the validated config. A bad setting is the user's to fix, so it is printed
 * as one line naming the variable and the process exits 1, without a stack trace.
 */
export function loadConfigOrExit(): Config {
  // Variables already set in the environment win over .env (dotenv's default); a missing .env is fine.
  dotenv.config({ path: path.join(REPO_ROOT, '.env'), quiet: true });
  try {
    return loadConfig(process.env, PROCESS_REGISTRY);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    return process.exit(1);
  }
}

/** Runs an entry point and exits with its code; a failure is logged (message, or `withStack` its stack), code 1. */
export function runMain(main: () => Promise<number>, log: Log = defaultLog, withStack = false): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      log(error instanceof Error ? (withStack && error.stack) || error.message : String(error));
      process.exit(1);
    },
  );
}
