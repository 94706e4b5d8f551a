import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { serverOptions } from '../../api/server';
import { ConfigError, loadConfig } from '../../config';
import { describeStack } from '../../dev-stack/print';
import { temporalConnectionOptions } from '../../platform/temporal-connection';

const ADDRESS = { TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233' };
const API_KEY = 'tmprl-api-key-0123456789abcdefghij';

let dir: string;
let cert: string;
let key: string;
let ca: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'behflow-tls-'));
  [cert, key, ca] = ['client.pem', 'client.key', 'ca.pem'].map((name) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `-----BEGIN ${name}-----\n`);
    return file;
  }) as [string, string, string];
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const load = (env: Record<string, string>) => loadConfig({ ...ADDRESS, ...env }, []);

describe('Temporal connection settings', () => {
  it('connects in plain text to the address alone when nothing else is set', () => {
    const config = load({});
    expect(config).toMatchObject({ temporalTls: false, temporalApiKey: undefined, temporalTlsCert: undefined });
    expect(temporalConnectionOptions(config)).toEqual({ address: ADDRESS.TEMPORAL_ADDRESS });
  });

  it('TEMPORAL_TLS=true turns TLS on without certificates (the system roots, the address’s host)', () => {
    expect(temporalConnectionOptions(load({ TEMPORAL_TLS: 'true' }))).toEqual({
      address: ADDRESS.TEMPORAL_ADDRESS,
      tls: true,
    });
    expect(() => load({ TEMPORAL_TLS: 'yes' })).toThrow(/^TEMPORAL_TLS must be true or false/);
  });

  it('passes the client certificate pair, the server CA and the server name as the SDK takes them', () => {
    const config = load({
      TEMPORAL_TLS_CERT: cert,
      TEMPORAL_TLS_KEY: key,
      TEMPORAL_TLS_CA: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(config.temporalTls).toBe(true);
    expect(temporalConnectionOptions(config)).toEqual({
      address: ADDRESS.TEMPORAL_ADDRESS,
      tls: {
        clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) },
        serverRootCACertificate: fs.readFileSync(ca),
        serverNameOverride: 'temporal.internal',
      },
    });
  });

  it('takes the certificate and its key both or neither, naming the one missing', () => {
    expect(() => load({ TEMPORAL_TLS_CERT: cert })).toThrow(ConfigError);
    expect(() => load({ TEMPORAL_TLS_CERT: cert })).toThrow(
      /^TEMPORAL_TLS_KEY must be set too when TEMPORAL_TLS_CERT is/,
    );
    expect(() => load({ TEMPORAL_TLS_KEY: key })).toThrow(
      /^TEMPORAL_TLS_CERT must be set too when TEMPORAL_TLS_KEY is/,
    );
  });

  it.each(['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'])(
    'stops startup when %s is not a readable file, naming it',
    (variable) => {
      const env = { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key };
      const missing = path.join(dir, 'nowhere.pem');
      expect(() => load({ ...env, [variable]: missing })).toThrow(
        new ConfigError(variable, 'must be the path of a readable file', missing),
      );
      // A folder is not a certificate either.
      expect(() => load({ ...env, [variable]: dir })).toThrow(`${variable} must be the path of a readable file`);
    },
  );

  it('an API key turns TLS on, as Temporal Cloud requires, and is sent as the SDK’s apiKey', () => {
    const config = load({ TEMPORAL_API_KEY: API_KEY });
    expect(config.temporalTls).toBe(true);
    expect(temporalConnectionOptions(config)).toEqual({
      address: ADDRESS.TEMPORAL_ADDRESS,
      tls: true,
      apiKey: API_KEY,
    });
  });

  it('refuses TEMPORAL_TLS=false beside a setting that needs TLS, naming both', () => {
    expect(() => load({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY })).toThrow(
      new ConfigError('TEMPORAL_TLS', 'cannot be false when TEMPORAL_API_KEY is set'),
    );
    expect(() => load({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: ca })).toThrow(
      'TEMPORAL_TLS cannot be false when TEMPORAL_TLS_CA is set',
    );
  });

  it('never echoes an API key, even one refused as too short', () => {
    const short = 'tmprl-short';
    expect(() => load({ TEMPORAL_API_KEY: short })).toThrow(/^TEMPORAL_API_KEY must be at least 16 characters long$/);
    expect(() => load({ TEMPORAL_API_KEY: short })).not.toThrow(new RegExp(short));
  });

  it('still needs TEMPORAL_ADDRESS to connect', () => {
    expect(() => temporalConnectionOptions(loadConfig({ TEMPORAL_API_KEY: API_KEY }, []))).toThrow(
      /^TEMPORAL_ADDRESS is not set/,
    );
  });
});

describe('the API key in what is printed and logged', () => {
  // After beforeAll has written the certificate files.
  const secured = () => load({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key });

  it('npm start and npm test say TLS and an API key are in use, never the key', () => {
    const lines = describeStack(
      {
        databaseUrl: 'postgres://app@127.0.0.1:54329/behflow',
        temporalAddress: ADDRESS.TEMPORAL_ADDRESS,
        temporalUiUrl: undefined,
        crashed: new Promise(() => undefined),
        stop: async () => undefined,
      },
      secured(),
    );
    expect(lines).toContain(
      `Temporal: ${ADDRESS.TEMPORAL_ADDRESS} (namespace default, TLS, client certificate, API key)`,
    );
    expect(lines.join('\n')).not.toContain(API_KEY.slice(0, 10));
  });

  it('the API’s log redacts it wherever the config is logged', async () => {
    const lines: string[] = [];
    const config = secured();
    const app = Fastify(serverOptions(config, { write: (line: string) => void lines.push(line) }));
    try {
      app.log.info({ config }, 'starting');
      app.log.info({ deps: { config } }, 'deps');
      app.log.info(config, 'flat');
      expect(lines).toHaveLength(3);
      const log = lines.join('');
      expect(log).toContain('"temporalApiKey":"[redacted]"');
      expect(log).not.toContain(API_KEY.slice(0, 10));
    } finally {
      await app.close();
    }
  });
});
