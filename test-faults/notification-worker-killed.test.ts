/**
 * The worker is killed (kill -9, its whole process group) while a failed run's webhook is being
 * retried: the receiver answered 500 twice and holds the third attempt unanswered when the kill
 * comes. After a restart the delivery must still arrive, with the one delivery id it had on every
 * attempt, and be accepted once; the outbox row must say delivered, with every attempt counted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyBehflowSignature } from '../test/helpers/verify-signature';
import { one, RESCHEDULE, rows } from './support/database';
import { FaultStack } from './support/stack';
import { finished, triggerRun } from './support/temporal';
import { eventually, report, seconds } from './support/timing';

const FILE = 'notification-worker-killed';
const SECRET = 'fault-test-webhook-secret-0123456789';

interface Attempt {
  readonly deliveryId: string;
  readonly verified: boolean;
  readonly at: number;
  answered: number | 'held';
}

let stack: FaultStack;
let server: http.Server;
const attempts: Attempt[] = [];
/** Attempts 1 and 2 get 500, attempt 3 is held with no answer (the kill comes meanwhile), later ones 200. */
const held: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const attempt: Attempt = {
        deliveryId: String(req.headers['behflow-delivery']),
        verified: verifyBehflowSignature(raw, req.headers['behflow-signature'] as string | undefined, SECRET),
        at: Date.now(),
        answered: 'held',
      };
      attempts.push(attempt);
      if (attempts.length <= 2) res.writeHead((attempt.answered = 500)).end('not now');
      else if (attempts.length === 3) held.push(res);
      else res.writeHead((attempt.answered = 200)).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stack = await FaultStack.start(FILE, { batchSize: 100 });
}, 300_000);

afterAll(async () => {
  for (const res of held) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stack?.close();
}, 120_000);

it('kill -9 of the worker while a webhook is retried: delivered after the restart, one delivery id, accepted once', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/behflow`;
  const processId = (
    await one<{ process_id: string }>(stack.pool, 'SELECT process_id FROM automated_processes WHERE name = $1', [
      RESCHEDULE,
    ])
  ).process_id;
  await stack.pool.query('UPDATE automated_process_registrations SET policy = $1::jsonb WHERE process_id = $2', [
    JSON.stringify({ notify: [{ on: ['failed'], webhook: { url, secret: SECRET } }] }),
    processId,
  ]);
  // A process_config the work refuses: the run fails at once, without retries.
  await stack.pool.query(
    `UPDATE automated_processes SET process_config = '{"not_a_setting": true}' WHERE process_id = $1`,
    [processId],
  );

  const run = await triggerRun(stack);
  const closed = await finished(stack, run.execution_id, 60_000);
  expect(closed.status).toBe('failed');

  await eventually('the third attempt arrives and is held', async () => (held.length > 0 ? true : undefined), {
    timeoutMs: 60_000,
  });
  const killedAt = Date.now();
  await stack.killWorker();
  held[0]?.destroy(); // the connection of the dead worker's attempt
  const worker = await stack.startWorker();

  const delivered = await eventually(
    'the outbox row says delivered',
    async () => {
      const [row] = await rows<{
        delivered: boolean;
        attempts: number;
        last_status: number | null;
        delivery_id: string;
      }>(
        stack.pool,
        `SELECT delivery_id, delivered_at IS NOT NULL AS delivered, attempts, last_status
           FROM automated_process_notifications WHERE execution_id = $1`,
        [run.execution_id],
      );
      return row?.delivered ? row : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 250 },
  );
  const deliveredAt = Date.now();

  expect(new Set(attempts.map((a) => a.deliveryId))).toEqual(new Set([delivered.delivery_id]));
  expect(attempts.every((a) => a.verified)).toBe(true);
  expect(attempts.map((a) => a.answered)).toEqual([500, 500, 'held', 200]);
  expect(delivered).toMatchObject({ attempts: 4, last_status: 200 });
  const count = await one<{ n: number }>(
    stack.pool,
    'SELECT count(*)::int AS n FROM automated_process_notifications WHERE execution_id = $1',
    [run.execution_id],
  );
  expect(count.n).toBe(1);
  report(
    FILE,
    `attempts at ${attempts.map((a) => `${seconds(a.at - attempts[0]!.at)} s (${a.answered})`).join(', ')}; ` +
      `worker killed during attempt 3, restarted in ${seconds(worker.startupMs)} s; delivered ` +
      `${seconds(deliveredAt - killedAt)} s after the kill (attempt 3's minute to time out, then the backoff)`,
  );
}, 600_000);
