import { DEFAULT_POLICY } from '../../config/policy';
import { sql } from '../helpers/database';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(async () => {
  await api.close();
});

function inject(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  return api.app.inject({
    method,
    url,
    headers: method === 'GET' ? AUTH : WRITE,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

const SECRET = 'whsec-0123456789abcdef';
const HOOK = 'https://ops.example/hooks/behflow';
const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXX';

async function storedPolicy(name: string): Promise<unknown> {
  const [row] = await sql<{ policy: unknown }>(
    api.db.orm,
    `SELECT r.policy FROM automated_process_registrations r JOIN automated_processes p USING (process_id) WHERE p.name = ?`,
    [name],
  );
  return row?.policy;
}

describe('a process policy through the API', () => {
  it("shows today's values for a process that has none", async () => {
    const res = await inject('GET', '/processes/reschedule_remaining_tasks');
    expect(res.statusCode).toBe(200);
    expect(res.json().policy).toEqual(DEFAULT_POLICY);
  });

  it('is set on create, filled in from the defaults, secrets stored but shown masked', async () => {
    const res = await inject('POST', '/processes', {
      name: 'reschedule_with_policy',
      implementation: 'reschedule_remaining_tasks',
      schedule: null,
      policy: {
        retry: { max_attempts: 3 },
        notify: [
          { on: ['failed', 'recovered'], webhook: { url: HOOK, secret: SECRET } },
          { on: ['failed'], slack: { webhook_url: SLACK } },
          { on: ['failed'], email: { to: ['ops@example.com'] } },
        ],
      },
    });
    expect(res.statusCode).toBe(201);
    const { policy } = res.json();
    expect(policy.retry).toEqual({ ...DEFAULT_POLICY.retry, max_attempts: 3 });
    expect(policy.timeouts).toEqual(DEFAULT_POLICY.timeouts);
    expect(policy.notify).toEqual([
      { on: ['failed', 'recovered'], webhook: { url: HOOK, secret: '***' } },
      { on: ['failed'], slack: { webhook_url: '***' } },
      { on: ['failed'], email: { to: ['ops@example.com'] } },
    ]);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain('B000');
    expect(JSON.stringify(await storedPolicy('reschedule_with_policy'))).toContain(SECRET);
  });

  it('changes by PATCH: keys left out keep their value, and a secret left out (or sent back masked) is kept', async () => {
    const res = await inject('PATCH', '/processes/reschedule_with_policy', {
      policy: {
        timeouts: { run_seconds: 600, activity_seconds: 300 },
        notify: [
          { on: ['failed', 'timed_out'], webhook: { url: HOOK } },
          { on: ['failed'], slack: { webhook_url: '***' } },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const { policy } = res.json();
    expect(policy.retry.max_attempts).toBe(3);
    expect(policy.timeouts).toEqual({ run_seconds: 600, activity_seconds: 300, heartbeat_seconds: 60 });
    const stored = JSON.stringify(await storedPolicy('reschedule_with_policy'));
    expect(stored).toContain(SECRET);
    expect(stored).toContain(SLACK);
    expect(stored).not.toContain('ops@example.com');
  });

  it.each([
    [{ retry: { max_attempts: 0 } }, 'body.policy.retry.max_attempts', 'must be >= 1'],
    [{ retry: { color: 1 } }, 'body.policy.retry.color', 'is not a known field'],
    [{ surprise: true }, 'body.policy.surprise', 'is not a known field'],
    [
      { retry: { initial_interval_seconds: 60, max_interval_seconds: 30 } },
      'body.policy.retry.max_interval_seconds',
      'must be at least initial_interval_seconds (60)',
    ],
    [
      { timeouts: { run_seconds: 60, activity_seconds: 120 } },
      'body.policy.timeouts.activity_seconds',
      'must be an integer from 5 to 60',
    ],
    [{ rerun_failed: { max_runs: -1 } }, 'body.policy.rerun_failed.max_runs', 'must be >= 0'],
    [
      { notify: [{ on: ['failed'], webhook: { url: 'http://ops.example/hook', secret: SECRET } }] },
      'body.policy.notify.0.webhook.url',
      'must be an https URL',
    ],
    [
      { notify: [{ on: ['failed'], webhook: { url: 'https://new.example/hook' } }] },
      'body.policy.notify.0.webhook.secret',
      'is required',
    ],
    [
      { notify: [{ on: ['failed'], webhook: { url: HOOK, secret: 'short' } }] },
      'body.policy.notify.0.webhook.secret',
      'must be a string of 16 to 512 characters',
    ],
    [
      { notify: [{ on: ['exploded'], email: { to: ['a@example.com'] } }] },
      'body.policy.notify.0.on',
      'must be a non-empty list of',
    ],
    [
      { notify: [{ on: ['failed'], email: { to: ['not an address'] } }] },
      'body.policy.notify.0.email.to',
      'email addresses',
    ],
  ])('refuses %j with 400 naming %s, and changes nothing', async (policy, field, rule) => {
    const before = await storedPolicy('reschedule_with_policy');
    const res = await inject('PATCH', '/processes/reschedule_with_policy', { policy });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.field).toBe(field);
    expect(body.rule).toContain(rule);
    expect(await storedPolicy('reschedule_with_policy')).toEqual(before);
  });

  it('accepts plain http only to this machine', async () => {
    const res = await inject('PATCH', '/processes/reschedule_with_policy', {
      policy: { notify: [{ on: ['failed'], webhook: { url: 'http://127.0.0.1:9/hook', secret: SECRET } }] },
    });
    expect(res.statusCode).toBe(200);
  });
});
