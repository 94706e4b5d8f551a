import { ConfigError, loadConfig } from '../../config';

describe('loadConfig', () => {
  it('has the seed defaults: Asia/Tehran at 07:30, a few hours of catch-up', () => {
    const config = loadConfig({});
    expect(config.reschedule).toEqual({ hour: 7, minute: 30, timezone: 'Asia/Tehran' });
    expect(config.catchupWindowMinutes).toBe(240);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporalAddress).toBeUndefined();
  });

  it('canonicalises the zone name', () => {
    expect(loadConfig({ BEHFLOW_TIMEZONE: 'america/new_york' }).timezone).toBe('America/New_York');
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
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a database URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).toThrow(
      /^DATABASE_URL must be a URL starting with postgres: or postgresql:$/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).not.toThrow(/hunter2/);
  });
});
