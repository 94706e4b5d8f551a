import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Orm } from '../db/orm';

/** Written by the production build (`npm run build`) next to the compiled code; absent in development. */
export const PREBUILT_BUNDLE = path.resolve(__dirname, '..', 'workflow-bundle.js');

export interface ProcessWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace?: string;
  readonly taskQueue: string;
  readonly orm: Orm;
  readonly client: Client;
  readonly batchSize: number;
  readonly defaultTimezone: string;
  /** Extra or replacement activities (tests, a process added from outside). */
  readonly activities?: object;
  /** The workflow code: a prebuilt bundle, or a module to bundle now. Defaults to the production one. */
  readonly workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
}

/**
 * The worker of every process: the workflows (prebuilt when the build made a bundle, else bundled
 * from workflows/ at start) and the activities built from the registry.
 */
export function createProcessWorker(options: ProcessWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflows ?? defaultWorkflows()),
    activities: {
      ...createActivities({
        orm: options.orm,
        temporal: options.client,
        batchSize: options.batchSize,
        defaultTimezone: options.defaultTimezone,
      }),
      ...options.activities,
    },
    // SIGINT and SIGTERM start a graceful shutdown (the SDK's default signals); running activities get this long.
    shutdownGraceTime: '20 seconds',
  });
}

function defaultWorkflows(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (fs.existsSync(PREBUILT_BUNDLE)) return { workflowBundle: { codePath: PREBUILT_BUNDLE } };
  return { workflowsPath: require.resolve('../workflows') };
}
