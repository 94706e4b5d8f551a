import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createExecutionActivities } from '../activities/executions';
import type { ChainSettings } from '../activities/chains/start';
import type { ActivityDeps } from '../activities/deps';
import { createNotificationActivities } from '../activities/notifications/deliver';
import type { NotificationSettings } from '../activities/notifications/settings';
import type { Orm } from '../db/orm';
import type { ProcessDefinition } from '../processes/definition';
import { PROCESS_REGISTRY } from '../processes/registry';
import type { Tracing } from '../platform/tracing';
import { registeredWorkflowsPath } from './workflow-entry';

/** Written by the production build (`npm run build`) next to the compiled code; absent in development. */
export const PREBUILT_BUNDLE = path.resolve(__dirname, '..', 'workflow-bundle.js');
/** The same workflow code with the tracing interceptors (TRACING_WORKFLOW_MODULES), for a worker that traces. */
export const PREBUILT_TRACING_BUNDLE = path.resolve(__dirname, '..', 'workflow-bundle-tracing.js');

export interface ProcessWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace?: string;
  readonly taskQueue: string;
  readonly orm: Orm;
  readonly client: Client;
  readonly batchSize: number;
  /** MAX_CONCURRENT_RUNS; unset: the default. */
  readonly maxConcurrentRuns?: number;
  readonly defaultTimezone: string;
  /** How notifications are sent; their delivery workflows run on this worker's task queue. */
  readonly notifications?: Omit<NotificationSettings, 'taskQueue'>;
  /** The processes it runs; the production registry unless given (tests add processes of their own). */
  readonly registry?: readonly ProcessDefinition[];
  /** Extra or replacement activities (tests, a process added from outside). */
  readonly activities?: object;
  /** The workflow code: a prebuilt bundle, or a module to bundle now. Defaults to the registry's workflows. */
  readonly workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Set when tracing is on: spans for workflow runs and activities (a given bundle must hold the interceptors). */
  readonly tracing?: Tracing;
}

/**
 * The worker of every process: the registry's workflows (prebuilt when the build made a bundle, else
 * bundled at start) and the activities of every process, with the execution rows' own.
 */
export function createProcessWorker(options: ProcessWorkerOptions): Promise<Worker> {
  const registry = options.registry ?? PROCESS_REGISTRY;
  const workflows = options.workflows ?? defaultWorkflows(registry, options.tracing !== undefined);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflows,
    ...(options.tracing ? tracingOptions(options.tracing, workflows) : {}),
    activities: {
      ...createRegisteredActivities(registry, {
        orm: options.orm,
        temporal: options.client,
        batchSize: options.batchSize,
        ...(options.maxConcurrentRuns === undefined ? {} : { maxConcurrentRuns: options.maxConcurrentRuns }),
        defaultTimezone: options.defaultTimezone,
        notifications: options.notifications && { ...options.notifications, taskQueue: options.taskQueue },
        chains: chainSettings(registry, options.taskQueue),
      }),
      ...options.activities,
    },
    // SIGINT and SIGTERM start a graceful shutdown (the SDK's default signals); running activities get this long.
    shutdownGraceTime: '20 seconds',
  });
}

/**
 * Every activity of the registry's processes, and the execution rows' own, by activity type. Two
 * processes offering one activity name would silently run each other's work: that stops the start.
 */
export function createRegisteredActivities(registry: readonly ProcessDefinition[], deps: ActivityDeps): object {
  const activities: Record<string, unknown> = { ...createExecutionActivities(deps) };
  const owners = new Map(Object.keys(activities).map((name) => [name, 'the execution rows']));
  for (const [name, activity] of Object.entries(createNotificationActivities(deps))) {
    activities[name] = activity;
    owners.set(name, 'the notifications');
  }
  for (const definition of registry) {
    for (const [name, activity] of Object.entries(definition.createActivities(deps))) {
      const owner = owners.get(name);
      if (owner) {
        throw new Error(`process "${definition.name}" registers activity "${name}", already registered by ${owner}`);
      }
      owners.set(name, `process "${definition.name}"`);
      activities[name] = activity;
    }
  }
  return activities;
}

/** Chained runs start on the worker's task queue, as the workflow of the downstream's implementation. */
export function chainSettings(registry: readonly ProcessDefinition[], taskQueue: string): ChainSettings {
  return {
    taskQueue,
    workflowTypeOf: (implementation) => registry.find((d) => d.name === implementation)?.workflow.type,
  };
}

function defaultWorkflows(
  registry: readonly ProcessDefinition[],
  traced: boolean,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  // The build bundles the production registry; a worker given another registry bundles its own.
  const prebuilt = traced ? PREBUILT_TRACING_BUNDLE : PREBUILT_BUNDLE;
  if (registry === PROCESS_REGISTRY && fs.existsSync(prebuilt)) {
    return { workflowBundle: { codePath: prebuilt } };
  }
  return { workflowsPath: registeredWorkflowsPath(registry) };
}

/**
 * The tracing interceptors and sink. A bundle already holds its workflow interceptors (the SDK
 * would ignore them with a warning), so they are only named when the workflows are bundled now.
 */
function tracingOptions(
  tracing: Tracing,
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const { interceptors, sinks } = tracing.workerOptions;
  if (workflows.workflowBundle === undefined) return { interceptors, sinks };
  return { interceptors: { ...interceptors, workflowModules: [] }, sinks };
}
