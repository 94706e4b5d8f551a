import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEV_STACK_ENV_FILE } from '../config/env-files';

/** Tells commands run beside `npm start` (e.g. `npm run schedules:reload`) where its servers are. */
export function writeConnectionFile(dataDir: string, env: Readonly<Record<string, string | undefined>>): void {
  const lines = Object.entries(env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
  writeFileSync(
    path.join(dataDir, DEV_STACK_ENV_FILE),
    `# Written by npm start while it runs.\n${lines.join('\n')}\n`,
    {
      mode: 0o600,
    },
  );
}

export function removeConnectionFile(dataDir: string): void {
  rmSync(path.join(dataDir, DEV_STACK_ENV_FILE), { force: true });
}
