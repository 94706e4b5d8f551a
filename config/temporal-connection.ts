import { ConfigError } from './errors';
import { booleanWithDefault, Env, optionalString, readableFile, secret } from './parse';

/** How the service reaches Temporal beyond its address: TLS, a client certificate, an API key. */
export interface TemporalConnectionSettings {
  /** TLS on: TEMPORAL_TLS=true, or implied by any of the settings below (Temporal Cloud requires it). */
  readonly temporalTls: boolean;
  /** TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: PEM files of the client certificate (mTLS), both or neither. */
  readonly temporalTlsCert: string | undefined;
  readonly temporalTlsKey: string | undefined;
  /** TEMPORAL_TLS_CA: the server's CA, when the system's roots do not vouch for it. */
  readonly temporalTlsCa: string | undefined;
  /** TEMPORAL_TLS_SERVER_NAME: the name the server's certificate is checked against, when not the address's host. */
  readonly temporalTlsServerName: string | undefined;
  /** TEMPORAL_API_KEY (Temporal Cloud). Never logged. */
  readonly temporalApiKey: string | undefined;
}

/** Temporal Cloud's API keys are long tokens; anything this short is a truncated paste. */
const API_KEY_MIN_LENGTH = 16;

export function temporalConnectionSettings(env: Env): TemporalConnectionSettings {
  const cert = readableFile(env, 'TEMPORAL_TLS_CERT');
  const key = readableFile(env, 'TEMPORAL_TLS_KEY');
  if (cert !== undefined && key === undefined) {
    throw new ConfigError(
      'TEMPORAL_TLS_KEY',
      'must be set too when TEMPORAL_TLS_CERT is (the client certificate’s key)',
    );
  }
  if (key !== undefined && cert === undefined) {
    throw new ConfigError('TEMPORAL_TLS_CERT', 'must be set too when TEMPORAL_TLS_KEY is (the key’s certificate)');
  }
  const settings = {
    temporalTlsCert: cert,
    temporalTlsKey: key,
    temporalTlsCa: readableFile(env, 'TEMPORAL_TLS_CA'),
    temporalTlsServerName: optionalString(env, 'TEMPORAL_TLS_SERVER_NAME'),
    temporalApiKey: secret(env, 'TEMPORAL_API_KEY', API_KEY_MIN_LENGTH),
  };
  const implied = Object.entries(settings).find(([, value]) => value !== undefined);
  const tls = booleanWithDefault(env, 'TEMPORAL_TLS', implied !== undefined);
  if (!tls && implied !== undefined) {
    throw new ConfigError(
      'TEMPORAL_TLS',
      `cannot be false when ${VARIABLES[implied[0] as keyof typeof VARIABLES]} is set`,
    );
  }
  return { temporalTls: tls, ...settings };
}

const VARIABLES = {
  temporalTlsCert: 'TEMPORAL_TLS_CERT',
  temporalTlsKey: 'TEMPORAL_TLS_KEY',
  temporalTlsCa: 'TEMPORAL_TLS_CA',
  temporalTlsServerName: 'TEMPORAL_TLS_SERVER_NAME',
  temporalApiKey: 'TEMPORAL_API_KEY',
} as const;
