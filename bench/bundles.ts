import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

export interface Bundles {
  /** workflows/ as the production worker bundles it. */
  readonly processes: string;
  /** bench/floors/noop-workflow.ts. */
  readonly noop: string;
  remove(): void;
}

/**
 * Bundles the workflow code once per benchmark run and writes it to files the child workers load
 * (workflowBundle.codePath), so no measurement pays webpack's seconds or its memory.
 */
export async function bundleWorkflows(): Promise<Bundles> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'behflow-bench-'));
  const write = async (name: string, workflowsPath: string) => {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(file, code);
    return file;
  };
  return {
    processes: await write('processes', require.resolve('../workflows')),
    noop: await write('noop', require.resolve('./floors/noop-workflow')),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
