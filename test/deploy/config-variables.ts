import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type ScheduleDeclaration } from '../../config';
import type { Env } from '../../config/parse';

export const ROOT = path.resolve(__dirname, '../..');
export const API_VARIABLES = ['API_HOST', 'API_PORT', 'API_TOKEN', 'API_TRUST_PROXY'];

/**
 * Every variable loadConfig reads for these processes: recorded by a Proxy env, plus every
 * `(env, 'NAME'` call in its source.
 */
export function variablesReadByConfig(processes: readonly ScheduleDeclaration[] = []): Set<string> {
  const read = new Set<string>();
  const recorder = new Proxy<Env>(
    {},
    {
      get(_target, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    },
  );
  loadConfig(recorder, processes);
  const source = fs.readFileSync(path.join(ROOT, 'config/index.ts'), 'utf8');
  for (const match of source.matchAll(/\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g)) read.add(match[1]!);
  return read;
}
