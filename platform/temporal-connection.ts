import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { SharedConfig } from '../config';
import { requireSetting } from './require-setting';

/**
 * What both connections to Temporal take, the client's (`Connection.connect`) and the worker's
 * (`NativeConnection.connect`): the address, TLS and the API key. One place, so the API, the
 * worker and the reload command cannot disagree on how the cluster is reached.
 */
export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls?: TLSConfig | true;
  readonly apiKey?: string;
}

type Settings = Pick<
  SharedConfig,
  | 'temporalAddress'
  | 'temporalTls'
  | 'temporalTlsCert'
  | 'temporalTlsKey'
  | 'temporalTlsCa'
  | 'temporalTlsServerName'
  | 'temporalApiKey'
>;

export function temporalConnectionOptions(config: Settings): TemporalConnectionOptions {
  const address = requireSetting(config.temporalAddress, 'TEMPORAL_ADDRESS');
  return {
    address,
    ...(config.temporalTls ? { tls: tlsConfig(config) } : {}),
    ...(config.temporalApiKey === undefined ? {} : { apiKey: config.temporalApiKey }),
  };
}

function tlsConfig(config: Settings): TLSConfig | true {
  const tls: TLSConfig = {
    ...(config.temporalTlsCert !== undefined && config.temporalTlsKey !== undefined
      ? {
          clientCertPair: { crt: fs.readFileSync(config.temporalTlsCert), key: fs.readFileSync(config.temporalTlsKey) },
        }
      : {}),
    ...(config.temporalTlsCa === undefined ? {} : { serverRootCACertificate: fs.readFileSync(config.temporalTlsCa) }),
    ...(config.temporalTlsServerName === undefined ? {} : { serverNameOverride: config.temporalTlsServerName }),
  };
  // Plain TLS (the system's roots, the address's host) is `true`; an empty object means the same to the SDK.
  return Object.keys(tls).length === 0 ? true : tls;
}
