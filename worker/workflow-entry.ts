import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessDefinition } from '../processes/definition';

/**
 * Workflows of the service itself, bundled whatever the registry: backfills and reruns run any
 * process, and every process's notifications are delivered.
 */
const SERVICE_WORKFLOW_MODULES = [
  require.resolve('../workflows/backfill-runs'),
  require.resolve('../workflows/rerun-runs'),
  require.resolve('../workflows/deliver-notification'),
];

/**
 * The module the worker bundles as its workflow code: every registered process's workflow module
 * and the service's own, re-exported, so a process added to the registry is bundled with no list to
 * keep. Written once per distinct registry (its name is the hash of what it exports) under
 * node_modules/.cache, where the bundler resolves @temporalio/workflow as it does for workflows/.
 */
const ENTRY_DIR = path.resolve(__dirname, '..', 'node_modules', '.cache', 'behflow-processes');

export function registeredWorkflowsPath(registry: readonly ProcessDefinition[]): string {
  const modules = [
    ...new Set([...registry.map((definition) => definition.workflow.module), ...SERVICE_WORKFLOW_MODULES]),
  ].sort();
  const source = modules.map((module) => `export * from ${JSON.stringify(module)};\n`).join('');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = path.join(ENTRY_DIR, `workflows-${hash}.ts`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(ENTRY_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, source);
    fs.renameSync(partial, file); // atomic: workers starting at once never read half a file
  }
  return file;
}
