import path from 'node:path';
import dotenv from 'dotenv';

/** Written by `npm start` while its stack runs, so other commands (reload, the API) find the same servers. */
export const DEV_STACK_ENV_FILE = 'dev-stack.env';

/**
 * Loads `.env`, then the running dev stack's addresses. Neither overrides a variable already set,
 * and `.env` wins over the dev stack file.
 */
export function loadEnvFiles(): void {
  dotenv.config({ quiet: true });
  const dataDir = process.env.DATA_DIR?.trim() || '.data';
  dotenv.config({ path: path.join(dataDir, DEV_STACK_ENV_FILE), quiet: true });
}
