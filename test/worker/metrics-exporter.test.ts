/**
 * The worker's WORKER_METRICS_PORT (worker/metrics.ts): the Temporal SDK runtime's Prometheus exporter,
 * installed as bin/worker.ts installs it, serves the SDK's temporal_* metrics of a running worker.
 * Runtime.install works once per process, and a jest test file is a process of its own.
 */
import { createServer } from 'node:net';
import { workerTelemetry } from '../../worker/metrics';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connectTestTemporal, installQuietRuntime, startWorker, type TestTemporal } from '../helpers/temporal';

/** A port nothing listens on now: the kernel's pick for a listener closed at once. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

let db: TestDatabase;
let temporal: TestTemporal;
let port: number;
beforeAll(async () => {
  port = await freePort();
  installQuietRuntime(workerTelemetry(port));
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  await temporal?.close();
  await db?.drop();
});

test("serves the SDK's temporal_* metrics of a running worker, in Prometheus's text format", async () => {
  const worker = await startWorker(temporal, db.orm);
  try {
    // The worker's pollers report once they poll: read until they have (no figure of time is asserted).
    let body = '';
    for (let attempt = 0; attempt < 100 && !/^temporal_num_pollers\{/m.test(body); attempt++) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      body = await res.text();
      if (!/^temporal_num_pollers\{/m.test(body)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(body).toMatch(/^# TYPE temporal_\w+ (counter|gauge|histogram)$/m);
    expect(body).toMatch(new RegExp(`^temporal_num_pollers\\{[^}]*task_queue="${temporal.taskQueue}"`, 'm'));
  } finally {
    await worker.stop();
  }
});
