import { Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../../config';
import { workerTelemetry } from '../../worker/metrics';

describe('WORKER_METRICS_PORT', () => {
  it('is off when unset or empty', () => {
    expect(loadConfig({}, [], ['worker']).workerMetricsPort).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: ' ' }, [], ['worker']).workerMetricsPort).toBeUndefined();
    expect(workerTelemetry(undefined)).toBeUndefined();
  });

  it('serves the SDK runtime’s Prometheus exporter on all interfaces at that port', () => {
    const port = loadConfig({ WORKER_METRICS_PORT: '9464' }, [], ['worker']).workerMetricsPort;
    expect(port).toBe(9464);
    expect(workerTelemetry(port)).toEqual({ metrics: { prometheus: { bindAddress: '0.0.0.0:9464' } } });
  });

  it.each(['0', '65536', '94.64', 'http', '-1'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ WORKER_METRICS_PORT: value }, [], ['worker'])).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_METRICS_PORT: value }, [], ['worker'])).toThrow(/WORKER_METRICS_PORT/);
  });

  it('is not read by the API', () => {
    expect(() => loadConfig({ WORKER_METRICS_PORT: 'nope' }, [], ['api'])).not.toThrow();
  });

  it('is a shape the SDK runtime takes (its options are checked when it is installed)', () => {
    // Only the type is checked here; test/worker/metrics-exporter.test.ts installs it in a runtime.
    const options: Parameters<typeof Runtime.install>[0] = { telemetryOptions: workerTelemetry(9464) };
    expect(options.telemetryOptions?.metrics).toBeDefined();
  });
});

describe('METRICS_TOKEN', () => {
  it('is a secret of at least 16 characters, never echoed', () => {
    expect(loadConfig({}, [], ['api']).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'metrics-0123456789' }, [], ['api']).metricsToken).toBe('metrics-0123456789');
    expect(() => loadConfig({ METRICS_TOKEN: 'short-secret' }, [], ['api'])).toThrow(
      new ConfigError('METRICS_TOKEN', 'must be at least 16 characters long'),
    );
    try {
      loadConfig({ METRICS_TOKEN: 'short-secret' }, [], ['api']);
    } catch (err) {
      expect(String(err)).not.toContain('short-secret');
    }
  });
});
