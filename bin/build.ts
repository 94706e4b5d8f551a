/**
 * npm run build: the production build in dist/. Compiles the product code (tsconfig.build.json: the
 * entry points worker, api and reload-schedules, and what they run on; no tests, bench or dev stack)
 * and bundles the workflow code once, so the worker loads dist/workflow-bundle.js instead of running
 * webpack at every start.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROCESS_REGISTRY } from '../processes/registry';
import { TRACING_WORKFLOW_MODULES } from '../platform/tracing';
import { PREBUILT_BUNDLE, PREBUILT_TRACING_BUNDLE } from '../worker/create-worker';
import { registeredWorkflowsPath } from '../worker/workflow-entry';

const ROOT = path.resolve(__dirname, '..');
/** Where the compiled worker looks for the bundle, relative to the build's root (dist/). */
export const BUNDLE_FILE = path.relative(ROOT, PREBUILT_BUNDLE);
/** The same with the tracing interceptors, which the worker loads when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export const TRACING_BUNDLE_FILE = path.relative(ROOT, PREBUILT_TRACING_BUNDLE);

export async function build(outDir: string = path.join(ROOT, 'dist')): Promise<void> {
  // From scratch, so a module deleted from the source does not live on in dist/.
  fs.rmSync(outDir, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    stdio: 'inherit',
  });
  // The registry's workflows from the TypeScript source, as the worker would bundle them at start.
  const workflowsPath = registeredWorkflowsPath(PROCESS_REGISTRY);
  const { code } = await bundleWorkflowCode({ workflowsPath });
  fs.writeFileSync(path.join(outDir, BUNDLE_FILE), code);
  const traced = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [...TRACING_WORKFLOW_MODULES] });
  fs.writeFileSync(path.join(outDir, TRACING_BUNDLE_FILE), traced.code);
}

if (require.main === module) {
  build().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
