import { ConfigError, loadConfig } from '../../config';
import { PROCESS_REGISTRY } from '../../processes/registry';

const RESCHEDULE = 'reschedule_remaining_tasks';
const ARCHIVE = 'archive_completed_tasks';

describe('loadConfig', () => {
  it('has the seed defaults: Asia/Tehran at 07:30, a few hours of catch-up', () => {
    const config = loadConfig({}, PROCESS_REGISTRY);
    expect(config.processSchedules).toEqual({
      [RESCHEDULE]: { hour: 7, minute: 30, timezone: 'Asia/Tehran' },
      [ARCHIVE]: { hour: 3, minute: 0, timezone: 'Asia/Tehran' },
    });
    expect(config.catchupWindowMinutes).toBe(240);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporalAddress).toBeUndefined();
  });

  it('canonicalises the zone name', () => {
    expect(loadConfig({ BEHFLOW_TIMEZONE: 'america/new_york' }, []).timezone).toBe('America/New_York');
  });

  it("keeps a zone's name as given, not ICU's legacy alias for it", () => {
    const config = loadConfig(
      { BEHFLOW_TIMEZONE: 'Europe/Kyiv', PROCESS_ARCHIVE_COMPLETED_TASKS_TIMEZONE: 'Asia/Kolkata' },
      PROCESS_REGISTRY,
    );
    expect(config.timezone).toBe('Europe/Kyiv');
    expect(config.processSchedules[RESCHEDULE]?.timezone).toBe('Europe/Kyiv');
    expect(config.processSchedules[ARCHIVE]?.timezone).toBe('Asia/Kolkata');
  });

  it("reads every process's PROCESS_<NAME>_* variables, and the seed's own names for the reschedule process", () => {
    const config = loadConfig(
      {
        BEHFLOW_TIMEZONE: 'Europe/Berlin',
        RESCHEDULE_HOUR: '8',
        RESCHEDULE_MINUTE: '05',
        PROCESS_ARCHIVE_COMPLETED_TASKS_HOUR: '4',
        PROCESS_ARCHIVE_COMPLETED_TASKS_TIMEZONE: 'asia/tokyo',
      },
      PROCESS_REGISTRY,
    );
    expect(config.processSchedules[RESCHEDULE]).toEqual({ hour: 8, minute: 5, timezone: 'Europe/Berlin' });
    expect(config.processSchedules[ARCHIVE]).toEqual({ hour: 4, minute: 0, timezone: 'Asia/Tokyo' });
    const generic = loadConfig({ PROCESS_RESCHEDULE_REMAINING_TASKS_MINUTE: '45' }, PROCESS_REGISTRY);
    expect(generic.processSchedules[RESCHEDULE]).toEqual({ hour: 7, minute: 45, timezone: 'Asia/Tehran' });
  });

  it('reads the variables of any registered process, with none listed in config/', () => {
    const added = { name: 'nightly_digest', defaultSchedule: { hour: 23, minute: 0 } };
    const config = loadConfig({ PROCESS_NIGHTLY_DIGEST_MINUTE: '15' }, [added]);
    expect(config.processSchedules).toEqual({ nightly_digest: { hour: 23, minute: 15, timezone: 'Asia/Tehran' } });
    expect(loadConfig({}, [{ name: 'by_hand', defaultSchedule: null }]).processSchedules).toEqual({});
  });

  it.each([
    [
      { PROCESS_ARCHIVE_COMPLETED_TASKS_HOUR: '24' },
      'PROCESS_ARCHIVE_COMPLETED_TASKS_HOUR must be a whole number from 0 to 23 (got "24")',
    ],
    [{ ARCHIVE_MINUTE: 'x' }, 'ARCHIVE_MINUTE must be a whole number from 0 to 59 (got "x")'],
    [
      { PROCESS_ARCHIVE_COMPLETED_TASKS_TIMEZONE: 'Mars/Olympus' },
      'PROCESS_ARCHIVE_COMPLETED_TASKS_TIMEZONE must be an IANA time zone such as "Asia/Tehran" or "UTC" (got "Mars/Olympus")',
    ],
    [
      { RESCHEDULE_HOUR: '8', PROCESS_RESCHEDULE_REMAINING_TASKS_HOUR: '9' },
      'PROCESS_RESCHEDULE_REMAINING_TASKS_HOUR and RESCHEDULE_HOUR are both set, to different values (got "9")',
    ],
  ])('stops startup on a bad process variable %j, naming it', (env, message) => {
    expect(() => loadConfig(env, PROCESS_REGISTRY)).toThrow(message);
  });

  it.each([
    [
      { BEHFLOW_TIMEZONE: 'Mars/Olympus' },
      'BEHFLOW_TIMEZONE must be an IANA time zone such as "Asia/Tehran" or "UTC" (got "Mars/Olympus")',
    ],
    [{ RESCHEDULE_HOUR: '25' }, 'RESCHEDULE_HOUR must be a whole number from 0 to 23 (got "25")'],
    [{ RESCHEDULE_MINUTE: '7.5' }, 'RESCHEDULE_MINUTE must be a whole number from 0 to 59 (got "7.5")'],
    [
      { SCHEDULE_CATCHUP_WINDOW_MINUTES: '0' },
      'SCHEDULE_CATCHUP_WINDOW_MINUTES must be a whole number from 1 to 10080 (got "0")',
    ],
    [
      { TEMPORAL_ADDRESS: 'localhost' },
      'TEMPORAL_ADDRESS must be host:port, for example "127.0.0.1:7233" (got "localhost")',
    ],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of debug, info, warn, error (got "loud")'],
  ])('stops startup on %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env, PROCESS_REGISTRY)).toThrow(ConfigError);
    expect(() => loadConfig(env, PROCESS_REGISTRY)).toThrow(message);
  });

  it('never echoes a database URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' }, [])).toThrow(
      /^DATABASE_URL must be a URL starting with postgres: or postgresql:$/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' }, [])).not.toThrow(/hunter2/);
  });

  it('reads MAX_CONCURRENT_RUNS (default 4) and API_TRUST_PROXY (default false), naming a bad one', () => {
    expect(loadConfig({}, [])).toMatchObject({ maxConcurrentRuns: 4, apiTrustProxy: false });
    expect(loadConfig({ MAX_CONCURRENT_RUNS: '2', API_TRUST_PROXY: 'true' }, [])).toMatchObject({
      maxConcurrentRuns: 2,
      apiTrustProxy: true,
    });
    expect(() => loadConfig({ MAX_CONCURRENT_RUNS: '0' }, [])).toThrow(/^MAX_CONCURRENT_RUNS must be a whole number/);
    expect(() => loadConfig({ API_TRUST_PROXY: 'yes' }, [])).toThrow(/^API_TRUST_PROXY must be true or false/);
  });
});

describe('loadConfig for one part', () => {
  it('checks only the settings of the parts it is given, and the shared ones, naming the variable', () => {
    const env = { API_TOKEN: 'short', API_PORT: 'x', EMBEDDED_POSTGRES_PORT: '0', RESCHEDULE_BATCH_SIZE: '5' };
    const worker = loadConfig(env, PROCESS_REGISTRY, ['worker']);
    expect(worker.batchSize).toBe(5);
    expect(worker).not.toHaveProperty('apiToken');
    expect(worker).not.toHaveProperty('embeddedPostgresPort');
    expect(() => loadConfig({ ...env, API_PORT: '3000' }, PROCESS_REGISTRY, ['api'])).toThrow(
      new ConfigError('API_TOKEN', 'must be at least 16 characters long'),
    );
    expect(() => loadConfig(env, PROCESS_REGISTRY, ['api'])).toThrow(
      'API_PORT must be a whole number from 1 to 65535 (got "x")',
    );
    expect(() => loadConfig(env, PROCESS_REGISTRY, ['dev-stack'])).toThrow('EMBEDDED_POSTGRES_PORT');
    expect(() => loadConfig({ BEHFLOW_TIMEZONE: 'Mars/Olympus' }, [], ['worker'])).toThrow('BEHFLOW_TIMEZONE');
  });

  it('reads everything when no part is named, as npm start (which runs them all) does', () => {
    expect(() => loadConfig({ API_TOKEN: 'short' }, PROCESS_REGISTRY)).toThrow('API_TOKEN');
    expect(loadConfig({}, PROCESS_REGISTRY)).toEqual(loadConfig({}, PROCESS_REGISTRY, ['worker', 'api', 'dev-stack']));
  });
});
