import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type TelemetryOptions,
  type WorkflowBundle,
} from '@temporalio/worker';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { chainSettings, createRegisteredActivities } from '../../worker/create-worker';
import { registeredWorkflowsPath } from '../../worker/workflow-entry';
import type { Orm } from '../../db/orm';
import type { NotificationSettings } from '../../activities/notifications/settings';

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_ADDRESS is not set: run the tests with "npm test", which starts the services');
  return address;
}

let runtimeInstalled = false;
/** Keeps worker logs to warnings so test output stays readable. */
/** Once per test file (a jest worker process); `telemetryOptions` only where the first call passes them. */
export function installQuietRuntime(telemetryOptions?: TelemetryOptions): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [], telemetryOptions });
  runtimeInstalled = true;
}

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundled once per test file; every worker in the file reuses it. */
export function workflowBundle(): Promise<WorkflowBundle> {
  installQuietRuntime();
  bundle ??= bundleWorkflowCode({
    workflowsPath: registeredWorkflowsPath(PROCESS_REGISTRY),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

export interface TestTemporal {
  readonly client: Client;
  readonly taskQueue: string;
  close(): Promise<void>;
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return {
    client: new Client({ connection }),
    taskQueue: `test-${randomUUID().slice(0, 8)}`,
    close: () => connection.close(),
  };
}

/** Deletes the schedules made on this test's task queue (a schedule already gone is fine). */
export async function deleteTestSchedules(temporal: TestTemporal): Promise<void> {
  for await (const s of temporal.client.schedule.list()) {
    if (!s.scheduleId.startsWith(`${temporal.taskQueue}:`)) continue;
    await temporal.client.schedule
      .getHandle(s.scheduleId)
      .delete()
      .catch(() => undefined);
  }
}

/** Activities replacing the real ones of the same name (activity type). */
export type ActivityOverrides = Record<string, (...args: never[]) => Promise<unknown>>;

export interface RunningWorker {
  stop(): Promise<void>;
}

/** What a test worker sends notifications with unless told otherwise: no SMTP server. */
export function testNotificationSettings(
  temporal: TestTemporal,
  settings: Partial<NotificationSettings> = {},
): NotificationSettings {
  return {
    taskQueue: temporal.taskQueue,
    temporalUiUrl: 'http://localhost:8233',
    temporalNamespace: 'default',
    apiPublicUrl: 'http://localhost:3000',
    smtpUrl: undefined,
    notifyFrom: 'behflow-processes@localhost',
    ...settings,
  };
}

/** A real worker on the test's task queue, with the real activities unless overridden. */
export async function startWorker(
  temporal: TestTemporal,
  orm: Orm,
  overrides: ActivityOverrides = {},
  batchSize = 500,
  notifications: Partial<NotificationSettings> = {},
  limits: { readonly maxConcurrentRuns?: number } = {},
): Promise<RunningWorker> {
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection,
    taskQueue: temporal.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...createRegisteredActivities(PROCESS_REGISTRY, {
        orm,
        temporal: temporal.client,
        batchSize,
        notifications: testNotificationSettings(temporal, notifications),
        chains: chainSettings(PROCESS_REGISTRY, temporal.taskQueue),
        ...limits,
      }),
      ...overrides,
    },
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Polls until check returns a value (not undefined), or fails after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
