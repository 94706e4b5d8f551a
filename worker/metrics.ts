import type { TelemetryOptions } from '@temporalio/worker';

/**
 * The Temporal SDK's own metrics (workflow and activity task latencies, polls, slots, sticky cache…,
 * named temporal_*), served by the SDK runtime's Prometheus exporter at http://<host>:<port>/metrics
 * when WORKER_METRICS_PORT is set. On all interfaces, so a Prometheus server in another container can
 * scrape it; it has no auth, so the port belongs on a private network. Unset: no exporter at all.
 */
export function workerTelemetry(port: number | undefined): TelemetryOptions | undefined {
  if (port === undefined) return undefined;
  return { metrics: { prometheus: { bindAddress: `0.0.0.0:${port}` } } };
}
