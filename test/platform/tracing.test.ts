/**
 * Tracing on the real stack, with an in-memory exporter: one API request that runs a process makes
 * one trace, from the request to the workflow, its activities and their SQL. The only test file
 * that starts tracing (the tracer provider is registered once per process).
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { startTracing, TRACING_WORKFLOW_MODULES, type Tracing } from '../../platform/tracing';
import { createProcessWorker } from '../../worker/create-worker';
import { registeredWorkflowsPath } from '../../worker/workflow-entry';
import { buildTestApi, type TestApi, WRITE } from '../api/helpers';
import { temporalAddress } from '../helpers/temporal';

const RESCHEDULE = 'reschedule_remaining_tasks';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let api: TestApi;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  tracing = startTracing({ otlpEndpoint: undefined, otelServiceName: 'tracing-test' }, 'api', { exporter })!;
  api = await buildTestApi({
    tracing,
    // The client the API and the activities use, as connectClient makes it when tracing is on.
    client: (real) =>
      new Client({
        connection: real.connection,
        namespace: real.options.namespace,
        interceptors: tracing.clientInterceptors,
      }),
  });
  connection = await NativeConnection.connect({ address: temporalAddress() });
  // As the build's tracing bundle: the interceptors inside it, so the worker must not name them again.
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: registeredWorkflowsPath(PROCESS_REGISTRY),
    workflowInterceptorModules: [...TRACING_WORKFLOW_MODULES],
    logger: new DefaultLogger('WARN'),
  });
  worker = await createProcessWorker({
    connection,
    taskQueue: api.temporal.taskQueue,
    orm: api.db.orm,
    client: api.app.deps.client,
    batchSize: 500,
    defaultTimezone: 'Asia/Tehran',
    workflows: { workflowBundle },
    tracing,
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker.shutdown();
  await running;
  await connection.close();
  await api.close();
  await tracing.shutdown();
});

const named = (spans: ReadableSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));

/** The span's parents up to the trace's root, nearest first. */
function ancestors(span: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain: ReadableSpan[] = [];
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) {
    chain.push(parent);
  }
  return chain;
}

describe('with tracing on', () => {
  it('traces a triggered run in one trace: the request, the workflow start, the run, its activities and their SQL', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: `/processes/${RESCHEDULE}/trigger?wait=true`,
      headers: WRITE,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'completed' });
    const { workflow_id: workflowId } = res.json<{ workflow_id: string }>();
    // The workflow's own span reaches the exporter when the run's last workflow task is done.
    await api.app.deps.client.workflow.getHandle(workflowId).result();

    const spans = exporter.getFinishedSpans();
    const [request] = spans.filter((s) => s.attributes['http.route'] === '/processes/:name/trigger');
    expect(request).toBeDefined();
    expect(request!.kind).toBe(SpanKind.SERVER);
    const traceId = request!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);

    // The API starts a run with update-with-start (executionOpened), inside the request's span.
    const [start] = named(inTrace, 'UpdateWithStartWorkflow');
    expect(start).toBeDefined();
    expect(ancestors(start!, inTrace)).toContain(request);

    const runs = named(inTrace, 'RunWorkflow:').filter((s) => s.attributes.workflowId === workflowId);
    expect(runs.map((s) => s.name)).toEqual(['RunWorkflow:rescheduleRemainingTasks']);
    expect(ancestors(runs[0]!, inTrace)).toContain(start);

    const activities = named(inTrace, 'RunActivity:');
    // The row opened and closed by local activities, and the work itself.
    expect(activities.map((s) => s.name)).toEqual(
      expect.arrayContaining(['RunActivity:beginExecution', 'RunActivity:rescheduleRemainingTasks']),
    );
    for (const activity of activities) expect(activity.attributes.temporalWorkflowId).toBe(workflowId);

    const queries = inTrace.filter((s) => s.attributes['db.system'] === 'postgresql' && s.name.startsWith('pg.query'));
    const underWork = queries.filter((q) =>
      ancestors(q, inTrace).some((a) => a.name === 'RunActivity:rescheduleRemainingTasks'),
    );
    expect(underWork.length).toBeGreaterThan(0);
    expect(underWork.every((q) => typeof q.attributes['db.statement'] === 'string')).toBe(true);
  });

  it('names the service in every span, and leaves the health checks untraced', async () => {
    exporter.reset();
    expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect(exporter.getFinishedSpans().filter((s) => s.attributes['http.route'] === '/health')).toEqual([]);
    const res = await api.app.inject({ method: 'GET', url: '/processes', headers: WRITE });
    expect(res.statusCode).toBe(200);
    const spans = exporter.getFinishedSpans();
    expect(spans.some((s) => s.attributes['http.route'] === '/processes')).toBe(true);
    expect(new Set(spans.map((s) => s.resource.attributes['service.name']))).toEqual(new Set(['tracing-test']));
  });
});
