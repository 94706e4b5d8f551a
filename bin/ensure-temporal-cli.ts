/**
 * `tsx bin/ensure-temporal-cli.ts` prints the temporal binary's path on stdout,
 * building it first if needed (progress on stderr). Used by .ci/run so CI can time and cache that step.
 */
import { loadConfigOrExit } from '../dev-stack/load-config';
import { locateTemporalCli } from '../dev-stack/temporal-cli';

locateTemporalCli(loadConfigOrExit()).then(
  (cliPath) => process.stdout.write(`${cliPath}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
