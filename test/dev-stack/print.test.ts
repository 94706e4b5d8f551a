import { describeStack, maskUrlPassword } from '../../dev-stack/print';
import { loadConfig } from '../../config';

describe('maskUrlPassword', () => {
  it('replaces the password and keeps everything else', () => {
    expect(maskUrlPassword('postgres://app:s3cret@db.example.com:5432/behflow?sslmode=require')).toBe(
      'postgres://app:***@db.example.com:5432/behflow?sslmode=require',
    );
  });

  it('hides percent-encoded passwords with reserved characters', () => {
    const masked = maskUrlPassword('postgresql://app:p%40ss%2Fw0rd@127.0.0.1:54329/behflow');
    expect(masked).toBe('postgresql://app:***@127.0.0.1:54329/behflow');
    expect(masked).not.toContain('w0rd');
  });

  it('leaves URLs without a password unchanged', () => {
    expect(maskUrlPassword('postgres://app@127.0.0.1:5432/behflow')).toBe('postgres://app@127.0.0.1:5432/behflow');
    expect(maskUrlPassword('postgres://127.0.0.1/behflow')).toBe('postgres://127.0.0.1/behflow');
  });

  it('still hides a password in something URL-like that does not parse', () => {
    expect(maskUrlPassword('postgres://app:s3cret@bad host/db')).toBe('postgres://app:***@bad host/db');
  });
});

describe('describeStack', () => {
  it('never prints the database password', () => {
    const config = loadConfig({}, []);
    const lines = describeStack(
      {
        databaseUrl: 'postgres://app:hunter2@127.0.0.1:54329/behflow',
        temporalAddress: '127.0.0.1:7233',
        temporalUiUrl: 'http://localhost:8233',
        crashed: new Promise(() => undefined),
        stop: async () => undefined,
      },
      config,
    );
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(lines).toEqual([
      'Temporal Web UI: http://localhost:8233',
      'Temporal: 127.0.0.1:7233 (namespace default)',
      'PostgreSQL: postgres://app:***@127.0.0.1:54329/behflow',
    ]);
  });
});
