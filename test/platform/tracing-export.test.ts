import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { temporalAddress } from '../helpers/temporal';

/* The API as it runs (bin/api.ts, its own process) with OTEL_EXPORTER_OTLP_ENDPOINT: spans reach the collector. */

const REPO_ROOT = path.resolve(__dirname, '../..');
const TOKEN = 'tracing-export-token-0123456789';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string } }[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

let db: TestDatabase;
let collector: http.Server;
const received: OtlpExport[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // A stand-in OTLP/HTTP collector: the exporter posts JSON to /v1/traces.
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') received.push(JSON.parse(body) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
  await db.drop();
});

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('exports the spans of a request to the collector, continuing the caller’s traceparent', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'behflow-tracing-'));
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/api.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: temporalAddress(),
      API_TOKEN: TOKEN,
      API_PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const append = (chunk: Buffer) => {
        output += chunk.toString();
        if (/API: http/.test(output)) resolve();
      };
      child.stdout.on('data', append);
      child.stderr.on('data', append);
      void exited.then((code) => reject(new Error(`the API exited (${code}): ${output}`)));
    });
    expect(output).toContain('Tracing on: spans go to OTEL_EXPORTER_OTLP_ENDPOINT');
    const res = await fetch(`http://127.0.0.1:${port}/processes`, {
      headers: { authorization: `Bearer ${TOKEN}`, traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` },
    });
    expect(res.status).toBe(200);
  } finally {
    // Stopping flushes the spans still batched.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const resources = received.flatMap((e) => e.resourceSpans);
  const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const services = resources.flatMap((r) => r.resource.attributes.filter((a) => a.key === 'service.name'));
  expect(new Set(services.map((a) => a.value.stringValue))).toEqual(new Set(['behflow-processes-api']));
  const route = (span: OtlpSpan) => span.attributes.find((a) => a.key === 'http.route')?.value.stringValue;
  // The HTTP server span, a child of the caller's, and Fastify's request span under it.
  const SERVER = 2;
  const server = spans.find((s) => s.traceId === TRACE_ID && s.kind === SERVER);
  expect(server).toMatchObject({ parentSpanId: CALLER_SPAN_ID });
  const request = spans.find((s) => s.name === 'request' && route(s) === '/processes');
  expect(request).toMatchObject({ traceId: TRACE_ID, parentSpanId: server!.spanId });
  // The request's SQL, in the same trace.
  expect(spans.some((s) => s.traceId === TRACE_ID && s.name.startsWith('pg.query'))).toBe(true);
}, 120_000);
