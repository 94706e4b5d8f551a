import http from 'node:http';
import { propagation, trace } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import pg from 'pg';
import { loadConfig } from '../../config';
import { startTracing } from '../../platform/tracing';

describe('tracing off (OTEL_EXPORTER_OTLP_ENDPOINT unset)', () => {
  it('is off by default, on with OTEL_EXPORTER_OTLP_ENDPOINT, whose URL is checked without echoing it', () => {
    expect(loadConfig({}, [])).toMatchObject({ otlpEndpoint: undefined, otelServiceName: undefined });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'behflow' }, []),
    ).toMatchObject({ otlpEndpoint: 'http://collector:4318', otelServiceName: 'behflow' });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, [])).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT must be a URL starting with http: or https:$/,
    );
  });

  it('registers nothing: no tracer provider, no propagator, no patched http or pg', () => {
    expect(startTracing(loadConfig({}, []), 'api')).toBeUndefined();
    expect(startTracing(loadConfig({}, []), 'worker')).toBeUndefined();
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    expect(isWrapped(http.Server.prototype.emit)).toBe(false);
    expect(isWrapped(http.request)).toBe(false);
    expect(isWrapped(pg.Client.prototype.query)).toBe(false);
  });
});
