import {
  DEFAULT_POLICY,
  MASKED,
  maskedPolicy,
  parsePolicy,
  runPolicyOf,
  storedPolicy,
  type ProcessPolicy,
} from '../../config/policy';
import { InvalidProcessConfigError } from '../../config/process-config';

const SECRET = 'a-secret-of-sixteen+';
const withHook: ProcessPolicy = parsePolicy({
  notify: [
    { on: ['failed'], webhook: { url: 'https://a.example/hook', secret: SECRET } },
    { on: ['failed', 'recovered'], slack: { webhook_url: 'https://hooks.slack.com/services/T/B/X' } },
  ],
});

function refusal(raw: unknown, base?: ProcessPolicy): { field: string; rule: string } {
  try {
    parsePolicy(raw, 'policy', base);
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) return { field: err.field, rule: err.rule };
    throw err;
  }
  throw new Error('accepted');
}

describe('parsePolicy', () => {
  it("gives today's values for an empty policy, and keeps a base's values for keys left out", () => {
    expect(parsePolicy({})).toEqual(DEFAULT_POLICY);
    const base = parsePolicy({ retry: { max_attempts: 2 }, timeouts: { run_seconds: 120 } });
    expect(base.timeouts).toEqual({ run_seconds: 120, activity_seconds: 120, heartbeat_seconds: 60 });
    expect(parsePolicy({ retry: { backoff: 1.5 } }, 'policy', base).retry).toEqual({
      ...DEFAULT_POLICY.retry,
      max_attempts: 2,
      backoff: 1.5,
    });
  });

  it('keeps a secret that is left out or sent back masked, matched by URL, and asks for one for a new URL', () => {
    for (const secret of [undefined, MASKED]) {
      const next = parsePolicy(
        { notify: [{ on: ['timed_out'], webhook: { url: 'https://a.example/hook', secret } }] },
        'policy',
        withHook,
      );
      expect(next.notify).toEqual([{ on: ['timed_out'], webhook: { url: 'https://a.example/hook', secret: SECRET } }]);
    }
    expect(
      refusal({ notify: [{ on: ['failed'], webhook: { url: 'https://b.example/hook' } }] }, withHook),
    ).toMatchObject({ field: 'policy.notify.0.webhook.secret' });
    expect(parsePolicy({ notify: [{ on: ['failed'], slack: {} }] }, 'policy', withHook).notify[0]).toEqual({
      on: ['failed'],
      slack: { webhook_url: 'https://hooks.slack.com/services/T/B/X' },
    });
  });

  it('shows secrets masked, nothing else changed', () => {
    const shown = maskedPolicy(withHook);
    expect(JSON.stringify(shown)).not.toContain(SECRET);
    expect(JSON.stringify(shown)).not.toContain('services/T/B/X');
    expect(shown.notify.map((c) => c.on)).toEqual(withHook.notify.map((c) => c.on));
    expect({ ...shown, notify: [] }).toEqual({ ...withHook, notify: [] });
  });

  it.each([
    [{ retry: { max_attempts: 1.5 } }, 'policy.retry.max_attempts', 'must be an integer from 1 to 100'],
    [{ retry: { backoff: 0.5 } }, 'policy.retry.backoff', 'must be a number from 1 to 10'],
    [
      { timeouts: { heartbeat_seconds: 2000 } },
      'policy.timeouts.heartbeat_seconds',
      'must be an integer from 1 to 1800',
    ],
    [
      { alert_after_consecutive_failures: 0 },
      'policy.alert_after_consecutive_failures',
      'must be an integer from 1 to 100',
    ],
    [{ notify: {} }, 'policy.notify', 'must be a list of at most 20 channels'],
    [{ notify: [{ on: ['failed'] }] }, 'policy.notify.0', 'must have exactly one of: webhook, slack, email'],
    [
      { notify: [{ on: ['failed'], webhook: { url: 'https://u:p@a.example/', secret: SECRET } }] },
      'policy.notify.0.webhook.url',
      'must be an https URL (http only to localhost), without credentials',
    ],
    [{ notify: [{ on: [], email: { to: ['a@b.example'] } }] }, 'policy.notify.0.on', 'must be a non-empty list of'],
    [{ unusual: { max_moved: -1 } }, 'policy.unusual.max_moved', 'must be an integer from 0'],
    [{ retry: 'fast' }, 'policy.retry', 'must be a JSON object'],
    [{ partitions: 0 }, 'policy.partitions', 'must be "auto" or an integer from 1 to 16'],
    [{ partitions: 17 }, 'policy.partitions', 'must be "auto" or an integer from 1 to 16'],
    [{ partitions: 'many' }, 'policy.partitions', 'must be "auto" or an integer from 1 to 16'],
  ])('refuses %j naming %s', (raw, field, rule) => {
    const found = refusal(raw);
    expect(found.field).toBe(field);
    expect(found.rule).toContain(rule);
  });

  it('splits runs by their overdue count unless told a number of partitions; a run carries only a number', () => {
    expect(DEFAULT_POLICY.partitions).toBe('auto');
    expect(parsePolicy({ partitions: 3 }).partitions).toBe(3);
    expect(parsePolicy({ partitions: 'auto' }, 'policy', parsePolicy({ partitions: 3 })).partitions).toBe('auto');
    expect(runPolicyOf(DEFAULT_POLICY)).not.toHaveProperty('partitions');
    expect(runPolicyOf(parsePolicy({ partitions: 1 }))).toMatchObject({ partitions: 1 });
  });

  it('reads a stored policy, and one that no longer parses as the defaults', () => {
    expect(storedPolicy(null)).toEqual(DEFAULT_POLICY);
    expect(storedPolicy(withHook)).toEqual(withHook);
    expect(storedPolicy({ retry: { max_attempts: 'many' } })).toEqual(DEFAULT_POLICY);
  });
});
