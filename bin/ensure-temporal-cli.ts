// `tsx bin/ensure-temporal-cli.ts`: the temporal binary's path on stdout, built first if needed (progress on
// stderr). Used by .ci/run so CI can time and cache that step.
import { loadConfigOrExit, runMain } from '../dev-stack/load-config';
import { locateTemporalCli } from '../dev-stack/temporal-cli';

runMain(async () => {
  process.stdout.write(`${await locateTemporalCli(loadConfigOrExit())}\n`);
  return 0;
}, console.error);
