/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: an API request's span, the
 * Temporal client call it makes, the workflow run, its activities and their SQL, in one trace.
 */
import http from 'node:http';
import https from 'node:https';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { FastifyPluginCallback } from 'fastify';
import pg from 'pg';
import type { SharedConfig } from '../config';

/**
 * The workflow interceptors, bundled into the workflow code only when tracing is on (the worker
 * bundles them at start, the build makes a second bundle with them): their spans leave the
 * sandbox through the `exporter` sink.
 */
export const TRACING_WORKFLOW_MODULES: readonly string[] = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

export interface Tracing {
  /** For the Temporal client: starting, signalling or updating a workflow carries the trace to it. */
  readonly clientInterceptors: ClientInterceptors;
  /** For the worker: a span for each workflow run and activity, continuing the starter's trace. */
  readonly workerOptions: Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>>;
  /** Registered first in the API: a span for each request, its route and status. */
  readonly fastifyPlugin: FastifyPluginCallback;
  /** Sends the spans still buffered and takes the patches off http and pg; at exit. */
  shutdown(): Promise<void>;
}

/** Which entry point traces, for the spans' service name unless OTEL_SERVICE_NAME says otherwise. */
export type TracedPart = 'api' | 'worker';

/** Health checks are polled; a span each would bury the requests that matter. */
const UNTRACED_PATHS = new Set(['/health', '/ready']);

let started = false;

/**
 * Sets up tracing for this process, once: the tracer provider (registered as the global one, which
 * the Temporal interceptors use), HTTP and PostgreSQL instrumentation, and what the client, the
 * worker and the API add. Undefined, and nothing registered, when OTEL_EXPORTER_OTLP_ENDPOINT is
 * unset and no exporter is given (tests give an in-memory one).
 */
export function startTracing(
  config: Pick<SharedConfig, 'otlpEndpoint' | 'otelServiceName'>,
  part: TracedPart,
  options: { readonly exporter?: SpanExporter } = {},
): Tracing | undefined {
  if (options.exporter === undefined && config.otlpEndpoint === undefined) return undefined;
  if (started) throw new Error('tracing is already started in this process');
  started = true;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.otelServiceName ?? `behflow-processes-${part}` });
  // A given exporter (tests) gets each span as it ends; a collector gets them in batches.
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  const unpatch = instrumentLoadedModules(provider);
  const fastify = new FastifyOtelInstrumentation({
    ignorePaths: ({ url }) => UNTRACED_PATHS.has(url.split('?')[0] ?? ''),
  });
  fastify.setTracerProvider(provider);
  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    workerOptions: {
      interceptors: {
        workflowModules: [...TRACING_WORKFLOW_MODULES],
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    },
    fastifyPlugin: fastify.plugin() as FastifyPluginCallback,
    async shutdown() {
      unpatch();
      await provider.shutdown();
    },
  };
}

/**
 * HTTP (server spans, and traceparent on outgoing requests such as webhooks) and pg (a span per
 * query). The instrumentations' own require hooks are off: the entry points have loaded http and
 * pg before the config says whether to trace, and jest loads modules through a registry of its
 * own, where require hooks never fire. So the module objects every caller shares are patched here.
 */
function instrumentLoadedModules(provider: NodeTracerProvider): () => void {
  const patches: [InstrumentationBase, Record<string, unknown>][] = [
    [new HttpInstrumentation({ enabled: false }), { http, https }],
    [new PgInstrumentation({ enabled: false }), { pg }],
  ];
  const undo: (() => void)[] = [];
  for (const [instrumentation, modules] of patches) {
    instrumentation.setTracerProvider(provider);
    for (const definition of instrumentation.getModuleDefinitions()) {
      const loaded = modules[definition.name];
      if (loaded === undefined) continue;
      definition.patch?.(loaded);
      undo.push(() => definition.unpatch?.(loaded));
    }
  }
  // http is one module per process, shared even by jest's test files: the patch must not outlive tracing.
  return () => undo.splice(0).forEach((unpatch) => unpatch());
}
